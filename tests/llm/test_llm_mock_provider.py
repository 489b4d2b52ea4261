"""The in-process `mock:` provider and YAML rules files (shared rule engine with FakeLLMServer)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from evalkit.llm import (
    CallTag,
    GenerateConfig,
    HubConfig,
    Message,
    ModelError,
    ModelHub,
    ModelResponse,
    Rule,
    RulesFileError,
    load_rules,
)
from evalkit.testing import FakeLLMServer


class Grade(BaseModel):
    score: int
    role: str


RULES_YAML = """
rules:
  - role: judge
    structured: true
    handler: llm_rule_handlers:grade
  - match: "(?i)refund"
    tool_calls: [{name: refund_order, arguments: {order_id: "1234"}}]
  - system: "pirate"
    text: "Arr"
  - model: "big-*"
    text: "I am big"
  - match: "^turn"
    replies: [{text: "one"}, {text: "two"}]
  - match: "^shout "
    handler: llm_rule_handlers:shout
"""


@pytest.fixture
def rules_file(tmp_path):
    path = tmp_path / "offline_rules.yaml"
    path.write_text(RULES_YAML)
    return path


def user(text: str) -> list[Message]:
    return [Message(role="user", content=text)]


@pytest.mark.asyncio
async def test_mock_provider_answers_from_yaml_rules(rules_file, tmp_path):
    hub = ModelHub(HubConfig(mock_rules=rules_file, cache_dir=tmp_path / "c"))
    small, big = hub.model("mock:small"), hub.model("mock:big-one")
    refund = await small.generate(user("I want a REFUND"))
    assert refund.tool_calls[0].name == "refund_order" and refund.tool_calls[0].arguments == {"order_id": "1234"}
    assert refund.model == "mock:small" and refund.finish_reason == "tool_calls"
    pirate = await small.generate([Message(role="system", content="You are a pirate"), *user("hello")])
    assert pirate.text == "Arr"
    assert (await big.generate(user("hello"))).text == "I am big"
    assert (await small.generate(user("hello"))).text == "[no rule matched] hello"
    assert [(await small.generate(user("turn"))).text for _ in range(3)] == ["one", "two", "two"]
    assert (await small.generate(user("shout hey"))).text == "SHOUT HEY"
    graded = await small.generate(user("grade"), output_schema=Grade, config=GenerateConfig(tag=CallTag(role="judge")))
    assert isinstance(graded, ModelResponse) and graded.parsed == Grade(score=1, role="judge")


@pytest.mark.asyncio
async def test_same_rules_file_served_over_http(rules_file, hub_for):
    with FakeLLMServer(rules_file) as server:
        hub = hub_for(server)
        reply = await hub.model("openai:gpt-4.1-mini").generate(user("refund please"))
        assert reply.tool_calls[0].name == "refund_order"
        graded = await hub.model("anthropic:claude-haiku-4-5").generate(
            user("grade"), output_schema=Grade, config=GenerateConfig(tag=CallTag(role="judge"))
        )
        assert graded.parsed == Grade(score=1, role="judge")


def test_rules_file_errors_name_file_line_and_key(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("- match: hi\n  text: ok\n- match: bye\n  txt: typo\n- role: judge\n")
    with pytest.raises(RulesFileError) as info:
        load_rules(path)
    lines = str(info.value).splitlines()
    assert any(line.startswith(f"{path}:3: rules[1].txt:") for line in lines)
    assert any(line.startswith(f"{path}:5: rules[2]") and "needs one of" in line for line in lines)
    (tmp_path / "notalist.yaml").write_text("rule: 1\n")
    with pytest.raises(RulesFileError, match="expected a list of rules"):
        load_rules(tmp_path / "notalist.yaml")
    (tmp_path / "broken.yaml").write_text("- match: [\n")
    with pytest.raises(RulesFileError, match=r"broken.yaml:2: invalid YAML"):
        load_rules(tmp_path / "broken.yaml")


def test_rules_file_bad_encoding_or_tags_are_rules_file_errors(tmp_path):
    """The plugin turns RulesFileError into a one-line usage error; anything else would be a traceback."""
    (tmp_path / "latin1.yaml").write_bytes("- match: caf\xe9\n  text: ok\n".encode("latin-1"))
    with pytest.raises(RulesFileError, match=r"latin1.yaml:1: .*UTF-8"):
        load_rules(tmp_path / "latin1.yaml")
    (tmp_path / "tagged.yaml").write_text("- match: hi\n  text: !!python/name:os.system ''\n")
    with pytest.raises(RulesFileError, match=r"tagged.yaml:2: invalid YAML"):
        load_rules(tmp_path / "tagged.yaml")


def test_bad_handler_spec_is_rejected():
    with pytest.raises(ValueError, match="module:function"):
        Rule(handler="no_colon_here")


@pytest.mark.asyncio
async def test_handler_returning_garbage_is_a_clear_error(tmp_path):
    hub = ModelHub(HubConfig(mock_rules=[Rule(handler="llm_rule_handlers:broken")], no_cache=True))
    with pytest.raises(ModelError, match="a rule handler returned int") as info:
        await hub.model("mock:x").generate(user("x"))
    assert info.value.attempts == 1  # a bug is not retried


@pytest.mark.asyncio
async def test_times_limits_a_rule_then_falls_through(tmp_path):
    hub = ModelHub(HubConfig(mock_rules=[Rule(times=2, text="limited"), Rule(text="after")], no_cache=True))
    texts = [(await hub.model("mock:x").generate(user("q"))).text for _ in range(3)]
    assert texts == ["limited", "limited", "after"]


@pytest.mark.asyncio
async def test_mock_calls_are_never_cached(tmp_path):
    rules = [Rule(role="judge", replies=[{"text": "first"}, {"text": "second"}])]
    hub = ModelHub(HubConfig(mock_rules=rules, cache_dir=tmp_path / "c"))
    judge = GenerateConfig(tag=CallTag(role="judge"))
    texts = [(await hub.model("mock:x").generate(user("q"), config=judge)).text for _ in range(2)]
    assert texts == ["first", "second"]
