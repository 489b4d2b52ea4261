"""The Python agent protocol (#14 part 1): what a callable receives, what it may return, what a factory is given."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest
from conv_helpers import ScriptedUser, spec

from evalkit.conversation import AgentContext, AgentSetupError, run_session
from evalkit.conversation.agents import build_callable_agent
from evalkit.conversation.agents.messages import to_chat_dicts
from evalkit.conversation.agents.override import override_target
from evalkit.conversation.transcript import TerminationReason as R
from evalkit.llm.mock_rules import Reply, Rule
from evalkit.llm.types import Message, ToolCall
from evalkit.spec.models import CallableAgent, FactoryAgent, HttpAgent

CTX = AgentContext(session_id="s", scenario_id="sc", turn=2, model="anthropic:claude-sonnet-4-5")
CONVERSATION = [
    Message(role="user", content="refund order 1234"),
    Message(
        role="assistant",
        content="",
        tool_calls=[ToolCall(id="c1", name="refund_order", arguments={"order_id": "1234"})],
    ),
    Message(role="tool", content='{"ok": true}', tool_call_id="c1", name="refund_order"),
    Message(role="assistant", content="Refunded."),
    Message(role="user", content="thanks"),
]
SEEN: list[Any] = []
MADE: list[dict[str, Any]] = []


# ------------------------------------------------------------- targets (importable as test_agent_protocol:<name>)
def plain(messages):
    SEEN.append(messages)
    return f"you said {messages[-1]['content']}"


def typed(messages: list[Message]) -> str:
    SEEN.append(messages)
    return f"typed {messages[-1].content}"


def flagged(messages):
    SEEN.append(messages)
    return "flagged"


flagged.evalkit_messages = "models"  # type: ignore[attr-defined]


def legacy(messages):
    return f"legacy {messages[-1].content} {messages[1].tool_calls[0].name}"


def make_with_provider(model: str, provider: str, greeting: str = "hi") -> Any:
    MADE.append({"model": model, "provider": provider, "greeting": greeting})
    return lambda messages: f"{greeting} from {model}"


make_with_provider.evalkit_factory = True  # type: ignore[attr-defined]


def make_model_only(model: str | None = None, **params: Any) -> Any:
    MADE.append({"model": model, **params})
    return lambda messages: f"model {model}"


make_model_only.evalkit_factory = True  # type: ignore[attr-defined]


def make_sdk_agent(model: str, base_url: str) -> Any:
    """An agent on the real openai SDK that passes `model` straight through, as outside code does."""
    import openai

    client = openai.OpenAI(base_url=base_url, api_key="sk-fake", max_retries=0, timeout=5.0)

    def agent(messages: list[dict[str, Any]]) -> str:
        reply = client.chat.completions.create(model=model, messages=messages)
        return reply.choices[0].message.content or ""

    return agent


make_sdk_agent.evalkit_factory = True  # type: ignore[attr-defined]


BAD_REPLIES: dict[str, Any] = {
    "number": 42,
    "bad_role": {"role": "robot", "content": "beep"},
    "bad_usage": {"messages": ["hi"], "usage": {"input_tokens": "many"}},
    "bad_tool_call": [{"role": "assistant", "tool_calls": [{"id": "1", "function": {"arguments": "{}"}}]}],
    "object": object(),
}


def make_bad(model: str | None = None, which: str = "number") -> Any:
    return lambda messages: BAD_REPLIES[which]


make_bad.evalkit_factory = True  # type: ignore[attr-defined]


# ------------------------------------------------------------- what a callable receives
def test_the_conversation_is_openai_chat_format_dicts() -> None:
    dicts = to_chat_dicts(CONVERSATION)
    assert dicts == [
        {"role": "user", "content": "refund order 1234"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "refund_order", "arguments": '{"order_id": "1234"}'},
                }
            ],
        },
        {"role": "tool", "content": '{"ok": true}', "tool_call_id": "c1"},
        {"role": "assistant", "content": "Refunded."},
        {"role": "user", "content": "thanks"},
    ]
    assert all(isinstance(d, dict) for d in dicts) and json.loads(json.dumps(dicts)) == dicts


@pytest.mark.asyncio
async def test_an_unannotated_callable_gets_dicts_and_a_typed_one_gets_models() -> None:
    SEEN.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither style warns
        assert (
            await (await build_callable_agent("test_agent_protocol:plain", model=None, params={})).respond(
                CONVERSATION, CTX
            )
        ).text == "you said thanks"
        assert (
            await (await build_callable_agent("test_agent_protocol:typed", model=None, params={})).respond(
                CONVERSATION, CTX
            )
        ).text == "typed thanks"
        await (await build_callable_agent("test_agent_protocol:flagged", model=None, params={})).respond(
            CONVERSATION, CTX
        )
    dicts, models, flagged_models = SEEN
    assert type(dicts[0]) is not Message and dicts[1]["tool_calls"][0]["function"]["name"] == "refund_order"
    assert models == CONVERSATION and flagged_models == CONVERSATION
    dicts[0]["content"] = "mutated"  # the agent's copy is its own
    assert CONVERSATION[0].content == "refund order 1234"


@pytest.mark.asyncio
async def test_an_agent_reading_message_attributes_keeps_working_and_is_told_once() -> None:
    from evalkit.conversation.agents import messages as module

    module._warned.clear()
    agent = await build_callable_agent("test_agent_protocol:legacy", model=None, params={})
    with pytest.warns(FutureWarning, match=r"message\['content'\]"):
        assert (await agent.respond(CONVERSATION, CTX)).text == "legacy thanks refund_order"


@pytest.mark.asyncio
async def test_a_wrong_evalkit_messages_value_is_a_setup_error() -> None:
    flagged.evalkit_messages = "pydantic"  # type: ignore[attr-defined]
    try:
        with pytest.raises(
            AgentSetupError, match=r"evalkit_messages = 'pydantic'; expected one of \['dicts', 'models'\]"
        ):
            await build_callable_agent("test_agent_protocol:flagged", model=None, params={})
    finally:
        flagged.evalkit_messages = "models"  # type: ignore[attr-defined]


# ------------------------------------------------------------- what a factory is given
@pytest.mark.asyncio
async def test_a_factory_gets_the_bare_model_name_and_the_provider_when_it_asks() -> None:
    MADE.clear()
    a = await build_callable_agent(
        "test_agent_protocol:make_with_provider", model="anthropic:claude-sonnet-4-5", params={"greeting": "ahoy"}
    )
    b = await build_callable_agent("test_agent_protocol:make_model_only", model="openai:llama3.1:8b", params={"t": 1})
    assert (await a.respond(CONVERSATION, CTX)).text == "ahoy from claude-sonnet-4-5"
    assert (await b.respond(CONVERSATION, CTX)).text == "model llama3.1:8b"  # only the first colon is the provider's
    assert MADE == [
        {"model": "claude-sonnet-4-5", "provider": "anthropic", "greeting": "ahoy"},
        {"model": "llama3.1:8b", "t": 1},
    ]  # no `provider` parameter, so none given (not even into **params)


@pytest.mark.asyncio
async def test_an_sdk_agent_passing_model_through_sends_the_bare_name(fake_llm, hub_for) -> None:
    fake_llm.add_rule(Rule(role="simulator", handler=ScriptedUser([])))
    fake_llm.add_rule(Rule(role="agent", handler=lambda request: Reply(text="Your refund is on its way.")))
    config = FactoryAgent(
        kind="factory", target="test_agent_protocol:make_sdk_agent", params={"base_url": fake_llm.openai_base_url}
    )
    transcript = await run_session(spec(config, agent_model="openai:gpt-4.1-mini"), hub_for(fake_llm))
    [request] = fake_llm.requests_for(role="agent")
    assert request.body["model"] == "gpt-4.1-mini"
    assert request.body["messages"][0] == {
        "role": "user",
        "content": "my blender arrived broken",
    }  # dicts go straight in
    assert transcript.messages[1].content == "Your refund is on its way."


# ------------------------------------------------------------- malformed replies
@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("which", "fragment"),
    [
        ("number", "agent returned int 42; expected a str, a message dict"),
        ("bad_role", "agent reply {'role': 'robot', 'content': 'beep'} could not be read (role: Input should be"),
        ("bad_usage", "could not be read (input_tokens: Input should be a valid integer"),
        ("bad_tool_call", "malformed tool call"),
        ("object", "agent returned object <object object at"),
    ],
)
async def test_a_malformed_reply_is_an_agent_error_with_one_line_naming_what_was_expected(
    fake_llm, hub_for, which: str, fragment: str
) -> None:
    config = CallableAgent(target="test_agent_protocol:make_bad", params={"which": which})
    transcript = await run_session(spec(config, sim_model=None), hub_for(fake_llm))
    assert transcript.termination == R.agent_error
    detail = transcript.termination_detail or ""
    assert detail.startswith("agent failed at turn 1: AgentReplyError: ") and fragment in detail
    assert "\n" not in detail
    assert which in ("bad_tool_call",) or "expected" in detail


# ------------------------------------------------------------- --evalkit-agent keeps the params
def test_overriding_the_target_keeps_the_suites_params_and_kind() -> None:
    callable_ = CallableAgent(target="a:b", params={"greeting": "ahoy"})
    factory = FactoryAgent(kind="factory", target="a:b", params={"x": 1})
    assert override_target(callable_, "c:d") == CallableAgent(target="c:d", params={"greeting": "ahoy"})
    assert override_target(factory, "c:d") == FactoryAgent(kind="factory", target="c:d", params={"x": 1})
    assert override_target(HttpAgent(kind="http", url="http://127.0.0.1:1/chat"), "c:d") == CallableAgent(target="c:d")
