"""Item 12: refusals and truncation are recorded on the turn; a broken simulator reply is invalid.

An OpenAI refusal used to be stored as an empty turn, an agent's `finish_reason: length` was lost,
and a truncated or garbage simulator reply went to the agent as if a user had said it. Everything
runs over HTTP against FakeLLMServer with the real openai / anthropic SDKs.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import anthropic
import openai
import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "conversation"))

from conv_helpers import ScriptedUser, spec

from evalkit.conversation import run_session
from evalkit.conversation.transcript import TerminationReason as R
from evalkit.judging.check_common import spoken_turns
from evalkit.judging.turns import numbered_turns
from evalkit.judging.verdict import Outcome
from evalkit.spec.models import CallableAgent, ModelAgent
from evalkit.testing import FakeLLMServer, Reply, Rule
from evalkit.verdicts import decide_trial

LONG = "I have refunded order 1234 and emailed you the receipt with every detail of the refund."
USER_ENDS = Reply(text="thanks", tool_calls=[{"name": "end_conversation", "arguments": {"reason": "goal_met"}}])


# ---------------------------------------------------------------- the fake server speaks both on both protocols


def _openai(server: FakeLLMServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.openai_base_url, api_key="sk-fake", max_retries=0)


def _anthropic(server: FakeLLMServer) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=server.anthropic_base_url, api_key="sk-ant-fake", max_retries=0)


def _ask_openai(server: FakeLLMServer) -> Any:
    return _openai(server).chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])


def _ask_anthropic(server: FakeLLMServer) -> Any:
    return _anthropic(server).messages.create(model="m", max_tokens=50, messages=[{"role": "user", "content": "hi"}])


def test_fake_server_refuses_and_truncates_on_the_openai_wire(fake_llm: FakeLLMServer) -> None:
    fake_llm.add_rule(match="please refuse", text="I can't help with that.", finish_reason="refusal")  # scripted
    fake_llm.add_rule(text=LONG)
    fake_llm.inject("refusal")
    refused = _ask_openai(fake_llm).choices[0]
    assert refused.message.refusal and refused.message.content is None and refused.finish_reason == "stop"
    fake_llm.inject("truncated")
    cut = _ask_openai(fake_llm).choices[0]
    assert cut.finish_reason == "length" and LONG.startswith(cut.message.content) and cut.message.content != LONG
    assert _ask_openai(fake_llm).choices[0].message.content == LONG  # faults are consumed
    ask = [{"role": "user", "content": "please refuse"}]
    assert _openai(fake_llm).chat.completions.create(model="m", messages=ask).choices[0].message.refusal == (
        "I can't help with that."
    )
    chunks = list(_openai(fake_llm).chat.completions.create(model="m", messages=ask, stream=True))
    assert "".join(c.choices[0].delta.refusal or "" for c in chunks if c.choices) == "I can't help with that."
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"


def test_fake_server_refuses_and_truncates_on_the_anthropic_wire(fake_llm: FakeLLMServer) -> None:
    fake_llm.add_rule(match="cut", text=LONG, finish_reason="length")  # scripted
    fake_llm.add_rule(text=LONG)
    fake_llm.inject("refusal")
    assert _ask_anthropic(fake_llm).stop_reason == "refusal"
    fake_llm.inject("truncated")
    cut = _ask_anthropic(fake_llm)
    assert cut.stop_reason == "max_tokens" and cut.content[0].text != LONG
    scripted = _anthropic(fake_llm).messages.create(
        model="m", max_tokens=5, messages=[{"role": "user", "content": "cut"}]
    )
    assert scripted.stop_reason == "max_tokens"

    fake_llm.reset()
    assert _ask_anthropic(fake_llm).content[0].text == LONG


# ---------------------------------------------------------------- model agents (evalkit's own clients)


async def _model_session(fake_llm: FakeLLMServer, hub_for: Any, model: str) -> Any:
    fake_llm.add_rule(role="agent", text=LONG)
    fake_llm.add_rule(role="simulator", replies=[USER_ENDS])
    return await _run(fake_llm, hub_for, ModelAgent(kind="model", model=model, system_prompt="You help."))


async def _run(fake_llm: FakeLLMServer, hub_for: Any, agent: Any) -> Any:
    """One session of `agent` against the fake server, closing the hub whatever happens."""
    hub = hub_for(fake_llm)
    try:
        return await run_session(spec(agent), hub)
    finally:
        await hub.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize("model", ["openai:agentm", "anthropic:agentm"])
async def test_model_agent_refusal_is_recorded_not_an_empty_turn(
    fake_llm: FakeLLMServer, hub_for: Any, model: str
) -> None:
    fake_llm.inject("refusal", role="agent")
    t = await _model_session(fake_llm, hub_for, model)
    reply = next(m for m in t.messages if m.role == "assistant")
    assert reply.content == "" and reply.refusal and not reply.truncated
    if model.startswith("openai"):
        assert reply.refusal == "I'm sorry, but I can't help with that request."  # OpenAI's own refusal text
    view = numbered_turns(t)
    assert f"[refused: {reply.refusal}]" in view[t.messages.index(reply)].text
    assert any(reply.refusal in text for _, text in spoken_turns(t, "agent"))  # checks read it too


@pytest.mark.asyncio
@pytest.mark.parametrize("model", ["openai:agentm", "anthropic:agentm"])
async def test_model_agent_cut_off_at_the_token_limit_is_recorded(
    fake_llm: FakeLLMServer, hub_for: Any, model: str
) -> None:
    fake_llm.inject("truncated", role="agent")
    t = await _model_session(fake_llm, hub_for, model)
    reply = next(m for m in t.messages if m.role == "assistant")
    assert reply.truncated and reply.refusal is None and reply.content and reply.content != LONG
    assert "[reply cut off at the token limit]" in numbered_turns(t)[t.messages.index(reply)].text
    whole = await _model_session(fake_llm, hub_for, model)  # no fault: nothing is flagged
    ok = next(m for m in whole.messages if m.role == "assistant")
    assert not ok.truncated and ok.refusal is None and "[" not in numbered_turns(whole)[whole.messages.index(ok)].text


def test_refusal_and_truncation_change_the_content_hash_only_when_present() -> None:
    from evalkit.conversation.transcript import Transcript, TranscriptMessage, TranscriptMeta

    plain = Transcript(meta=TranscriptMeta(scenario_id="s"), messages=[TranscriptMessage(role="assistant", content="")])
    refused = plain.model_copy(deep=True)
    refused.messages[0].refusal = "no"
    cut = plain.model_copy(deep=True)
    cut.messages[0].truncated = True
    assert len({plain.content_hash(), refused.content_hash(), cut.content_hash()}) == 3
    old_payload = [{"role": "assistant", "content": "", "tool_calls": [], "tool_result": None}]  # before the fields
    blob = json.dumps(["s", old_payload], sort_keys=True, separators=(",", ":"))
    assert plain.content_hash() == hashlib.sha256(blob.encode()).hexdigest()[:16]  # resumed runs keep their hashes


# ---------------------------------------------------------------- SDK agents whose replies evalkit normalises


def sdk_agent(provider: str = "openai", base_url: str = "", shape: str = "completion", **_: Any) -> Any:
    """Returns the SDK's own object: an OpenAI completion / choice / message, or an Anthropic message."""
    if provider == "anthropic":
        claude = anthropic.Anthropic(base_url=base_url, api_key="sk-ant-fake", max_retries=0)
        return lambda messages: claude.messages.create(
            model="claude-x", max_tokens=50, messages=[{"role": "user", "content": messages[-1]["content"]}]
        )
    gpt = openai.OpenAI(base_url=base_url, api_key="sk-fake", max_retries=0)

    def agent(messages: Any) -> Any:
        completion = gpt.chat.completions.create(
            model="gpt-x", messages=[{"role": "user", "content": messages[-1]["content"]}]
        )
        if shape == "choice":
            return completion.choices[0]
        if shape == "dict":
            return {**completion.choices[0].message.model_dump(), "finish_reason": completion.choices[0].finish_reason}
        return completion

    return agent


sdk_agent.evalkit_factory = True  # type: ignore[attr-defined]


async def _sdk_session(fake_llm: FakeLLMServer, hub_for: Any, provider: str, shape: str) -> Any:
    fake_llm.add_rule(role="simulator", replies=[USER_ENDS])
    fake_llm.add_rule(text=LONG)
    url = fake_llm.anthropic_base_url if provider == "anthropic" else fake_llm.openai_base_url
    agent = CallableAgent(
        target=f"{__name__}:sdk_agent", params={"provider": provider, "base_url": url, "shape": shape}
    )
    return await _run(fake_llm, hub_for, agent)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("provider", "shape"),
    [("openai", "completion"), ("openai", "choice"), ("openai", "dict"), ("anthropic", "message")],
)
async def test_sdk_agent_refusal_and_truncation_are_recorded(
    fake_llm: FakeLLMServer, hub_for: Any, provider: str, shape: str
) -> None:
    fake_llm.inject("refusal", role="agent")
    refused = await _sdk_session(fake_llm, hub_for, provider, shape)
    reply = next(m for m in refused.messages if m.role == "assistant")
    assert reply.refusal and reply.content == "" and refused.termination == R.user_stop
    fake_llm.reset()
    fake_llm.inject("truncated", role="agent")
    cut = await _sdk_session(fake_llm, hub_for, provider, shape)
    reply = next(m for m in cut.messages if m.role == "assistant")
    assert reply.truncated and reply.content and reply.content != LONG and reply.refusal is None


# ---------------------------------------------------------------- the simulator: empty, truncated, out of character


async def _sim_session(fake_llm: FakeLLMServer, hub_for: Any, rule: Rule, **kw: Any) -> Any:
    fake_llm.add_rule(rule)
    hub = hub_for(fake_llm)
    try:
        return await run_session(spec("conv_agents:echo", **kw), hub)
    finally:
        await hub.aclose()


def _sent_to_agent(t: Any) -> list[str]:
    return [m.content for m in t.messages if m.role == "user"]


@pytest.mark.asyncio
@pytest.mark.parametrize(("fault", "flag"), [("truncated", "truncated_reply"), ("refusal", "out_of_character")])
async def test_truncated_or_refused_simulator_reply_is_invalid(
    fake_llm: FakeLLMServer, hub_for: Any, fault: str, flag: str
) -> None:
    fake_llm.inject(fault, role="simulator")
    t = await _sim_session(fake_llm, hub_for, Rule(role="simulator", handler=ScriptedUser([LONG])))
    assert t.termination == R.simulator_error and flag in t.termination_detail
    assert [(f.name, f.action) for f in t.guardrail_flags] == [(flag, "invalidate")]
    assert decide_trial(t, [], []).outcome == Outcome.invalid
    assert len([m for m in t.messages if m.role == "assistant"]) == 1  # the broken turn never reached the agent


@pytest.mark.asyncio
@pytest.mark.parametrize("garbage", ["}}]]{{ ...", '{"order_id": "1234"}', "[1, 2, 3]", "my ord\ufffd\ufffd 1234"])
async def test_garbage_simulator_reply_is_out_of_character(fake_llm: FakeLLMServer, hub_for: Any, garbage: str) -> None:
    t = await _sim_session(fake_llm, hub_for, Rule(role="simulator", handler=ScriptedUser([garbage])))
    assert t.termination == R.simulator_error and "out_of_character" in t.termination_detail
    assert decide_trial(t, [], []).outcome == Outcome.invalid


@pytest.mark.asyncio
@pytest.mark.parametrize("ordinary", ["1234", "order #1234?", "¿dónde está mi pedido 1234?", "ok :)"])
async def test_ordinary_short_user_replies_are_not_flagged(
    fake_llm: FakeLLMServer, hub_for: Any, ordinary: str
) -> None:
    t = await _sim_session(fake_llm, hub_for, Rule(role="simulator", handler=ScriptedUser([ordinary])))
    assert t.termination == R.user_stop and t.guardrail_flags == []
    assert ordinary in _sent_to_agent(t)


@pytest.mark.asyncio
async def test_simulator_guardrails_can_be_set_to_warn(fake_llm: FakeLLMServer, hub_for: Any) -> None:
    fake_llm.inject("truncated", role="simulator")
    t = await _sim_session(
        fake_llm,
        hub_for,
        Rule(role="simulator", handler=ScriptedUser([LONG])),
        sim={"guardrails": {"truncated_reply": "warn"}},
    )
    assert [(f.name, f.action) for f in t.guardrail_flags] == [("truncated_reply", "warn")]
    assert t.termination == R.user_stop and not t.invalidated_by_simulator


@pytest.mark.asyncio
async def test_empty_simulator_reply_twice_is_still_invalid(fake_llm: FakeLLMServer, hub_for: Any) -> None:
    fake_llm.inject("empty_content", times=2, role="simulator")
    t = await _sim_session(fake_llm, hub_for, Rule(role="simulator", handler=ScriptedUser([LONG])))
    assert t.termination == R.simulator_error and decide_trial(t, [], []).outcome == Outcome.invalid
