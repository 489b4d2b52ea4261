"""Structured output: native mechanism, text fallback, one repair, and Unparseable (both providers)."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, Field

from evalkit.llm import CallTag, GenerateConfig, Message, ModelResponse, Unparseable
from evalkit.testing import Fault, Reply, Rule

PROVIDERS = ["openai:gpt-4.1-mini", "anthropic:claude-haiku-4-5"]
JUDGE = GenerateConfig(temperature=0, tag=CallTag(role="judge", scenario_id="s1", session_id="sess-1"))


class Verdict(BaseModel):
    score: int = Field(ge=1, le=5)
    reason: str


ASK = [Message(role="system", content="You grade transcripts."), Message(role="user", content="grade this")]


@pytest.mark.asyncio
@pytest.mark.parametrize("name", PROVIDERS)
async def test_native_structured_output(fake_llm, hub_for, name):
    fake_llm.add_rule(Rule(role="judge", json={"score": 4, "reason": "helpful"}))
    hub = hub_for(fake_llm, no_cache=True)
    result = await hub.model(name).generate(ASK, output_schema=Verdict, config=JUDGE)
    assert isinstance(result, ModelResponse) and result.parsed == Verdict(score=4, reason="helpful")
    body = fake_llm.requests[0].body
    if name.startswith("openai"):
        fmt = body["response_format"]
        assert fmt["type"] == "json_schema" and fmt["json_schema"]["name"] == "Verdict"
        assert fmt["json_schema"]["schema"]["required"] == ["score", "reason"]
        assert fmt["json_schema"]["strict"] is True  # all fields required: closed and strict
    else:
        assert body["tool_choice"] == {"type": "tool", "name": "Verdict"}
        assert body["tools"][-1]["input_schema"]["properties"]["score"]["maximum"] == 5
    await hub.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize("name", PROVIDERS)
async def test_repair_quotes_the_validation_error(fake_llm, hub_for, name):
    fake_llm.add_rule(
        Rule(
            role="judge",
            replies=[Reply(json={"score": 9, "reason": "too high"}), Reply(json={"score": 5, "reason": "fixed"})],
        )
    )
    hub = hub_for(fake_llm, no_cache=True)
    result = await hub.model(name).generate(ASK, output_schema=Verdict, config=JUDGE)
    assert isinstance(result, ModelResponse) and result.parsed == Verdict(score=5, reason="fixed")
    assert len(fake_llm.requests) == 2
    repair = json.dumps(fake_llm.requests[1].body["messages"])
    assert "score" in repair and "less than or equal to 5" in repair
    # the repair's tokens are part of the answer's cost, and both exchanges are in the ledger
    assert hub.usage.by_role()["judge"].calls == 2
    assert result.usage.input_tokens == hub.usage.by_role()["judge"].input_tokens
    await hub.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize("name", PROVIDERS)
async def test_unparseable_after_one_repair(fake_llm, hub_for, name):
    fake_llm.add_rule(Rule(role="judge", text="I think it deserves a four."))
    hub = hub_for(fake_llm, no_cache=True)
    result = await hub.model(name).generate(ASK, output_schema=Verdict, config=JUDGE)
    assert isinstance(result, Unparseable)
    assert result.raw_text == "I think it deserves a four." and "no JSON" in result.error
    assert result.response is not None and result.response.parsed is None
    assert len(fake_llm.requests) == 2  # exactly one repair, never more
    await hub.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize("name", PROVIDERS)
async def test_invalid_json_fault_is_repaired(fake_llm, hub_for, name):
    fake_llm.add_rule(Rule(role="judge", json={"score": 2, "reason": "meh"}))
    fake_llm.inject(Fault.invalid_json)
    hub = hub_for(fake_llm, no_cache=True)
    result = await hub.model(name).generate(ASK, output_schema=Verdict, config=JUDGE)
    assert isinstance(result, ModelResponse) and result.parsed == Verdict(score=2, reason="meh")
    assert len(fake_llm.requests) == 2
    await hub.aclose()


class Optional_(BaseModel):
    score: int
    note: str = ""


@pytest.mark.asyncio
async def test_schema_with_optional_fields_is_sent_non_strict(fake_llm, hub_for):
    fake_llm.add_rule(Rule(role="judge", json={"score": 1}))
    hub = hub_for(fake_llm, no_cache=True)
    result = await hub.model("openai:gpt-4.1-mini").generate(ASK, output_schema=Optional_, config=JUDGE)
    assert result.parsed == Optional_(score=1)
    assert fake_llm.requests[0].body["response_format"]["json_schema"]["strict"] is False
    await hub.aclose()


@pytest.mark.asyncio
async def test_fallback_to_text_when_server_rejects_response_format(fake_llm, hub_for):
    # The model answers in prose around a fenced JSON block, as local servers often do.
    fake_llm.add_rule(Rule(role="judge", text='Sure!\n```json\n{"score": 3, "reason": "ok"}\n```'))
    fake_llm.inject(Fault.bad_request)  # "response_format not supported"
    hub = hub_for(fake_llm, no_cache=True)
    model = hub.model("openai:llama3")
    result = await model.generate(ASK, output_schema=Verdict, config=JUDGE)
    assert isinstance(result, ModelResponse) and result.parsed == Verdict(score=3, reason="ok")
    rejected, fallback = fake_llm.requests
    assert "response_format" in rejected.body and "response_format" not in fallback.body
    assert "JSON Schema" in fallback.body["messages"][0]["content"]
    # the endpoint remembers: the next structured call goes straight to text mode
    await model.generate(ASK, output_schema=Verdict, config=JUDGE.model_copy(update={"sample_index": 1}))
    assert len(fake_llm.requests) == 3 and "response_format" not in fake_llm.requests[2].body
    await hub.aclose()


@pytest.mark.asyncio
async def test_text_mode_from_config_extracts_first_object(fake_llm, hub_for):
    fake_llm.add_rule(Rule(role="judge", text='My verdict: {"score": 1, "reason": "rude {really}"} -- done'))
    hub = hub_for(fake_llm, no_cache=True, structured_mode={"openai": "text"})
    result = await hub.model("openai:gpt-4.1-mini").generate(ASK, output_schema=Verdict, config=JUDGE)
    assert isinstance(result, ModelResponse) and result.parsed == Verdict(score=1, reason="rude {really}")
    assert len(fake_llm.requests) == 1 and "response_format" not in fake_llm.requests[0].body
    await hub.aclose()


@pytest.mark.asyncio
async def test_truncated_structured_output_gets_repaired(fake_llm, hub_for):
    fake_llm.add_rule(Rule(role="judge", json={"score": 5, "reason": "a long and detailed reason"}))
    fake_llm.inject(Fault.truncated)
    hub = hub_for(fake_llm, no_cache=True)
    result = await hub.model("anthropic:claude-haiku-4-5").generate(ASK, output_schema=Verdict, config=JUDGE)
    assert isinstance(result, ModelResponse) and result.parsed.score == 5
    assert len(fake_llm.requests) == 2
    await hub.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize("name", ["openai:gpt-4.1-mini", "mock:judge"])
async def test_scripted_logprobs_reach_the_response(fake_llm, hub_for, name):
    rule = Rule(role="judge", json={"score": 4, "reason": "ok"}, top_logprobs={"4": {"4": -0.3, "5": -1.5, "3": -2.5}})
    fake_llm.add_rule(rule)
    hub = hub_for(fake_llm, no_cache=True, mock_rules=[rule])
    config = JUDGE.model_copy(update={"logprobs": True, "top_logprobs": 2})
    result = await hub.model(name).generate(ASK, output_schema=Verdict, config=config)
    assert result.parsed == Verdict(score=4, reason="ok")
    assert "".join(t["token"] for t in result.logprobs) == result.text
    [four] = [t for t in result.logprobs if t["token"] == "4"]
    assert four["logprob"] == -0.3 and four["top"] == {"4": -0.3, "5": -1.5}  # best two, in order
    assert all(t["logprob"] == 0.0 for t in result.logprobs if t["token"] != "4")
    plain = await hub.model(name).generate(ASK, output_schema=Verdict, config=JUDGE)
    assert plain.logprobs is None  # only when asked for
    await hub.aclose()


@pytest.mark.asyncio
async def test_logprobs_only_when_scripted(fake_llm, hub_for):
    fake_llm.add_rule(Rule(role="judge", match="certain", json={"score": 2, "reason": "x"}, top_logprobs={}))
    fake_llm.add_rule(Rule(role="judge", json={"score": 2, "reason": "x"}))
    hub = hub_for(fake_llm, no_cache=True)
    config = JUDGE.model_copy(update={"logprobs": True, "top_logprobs": 3})
    unscripted = await hub.model("openai:gpt-4.1-mini").generate(ASK, output_schema=Verdict, config=config)
    assert unscripted.logprobs is None  # like a server that ignores the parameter
    certain = await hub.model("openai:gpt-4.1-mini").generate(
        [Message(role="user", content="certain")], output_schema=Verdict, config=config
    )
    assert certain.logprobs and all(t["logprob"] == 0.0 and t["top"] == {t["token"]: 0.0} for t in certain.logprobs)
    await hub.aclose()
