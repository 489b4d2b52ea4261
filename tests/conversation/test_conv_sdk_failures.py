"""An agent's own SDK client failing over HTTP is infrastructure_error (-> invalid), not the agent's failure.

The agents below use the real openai / anthropic SDKs against FakeLLMServer; the
server injects the fault, nothing is monkeypatched.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from conv_helpers import spec

from evalkit.conversation import run_session
from evalkit.conversation.recording import is_infrastructure
from evalkit.conversation.transcript import TerminationReason as R
from evalkit.judging.verdict import Outcome
from evalkit.spec.models import CallableAgent
from evalkit.testing import FakeLLMServer
from evalkit.verdicts import decide_trial


def make_agent(provider: str = "openai", base_url: str = "", parse_json: bool = False, **_: Any) -> Any:
    """An SDK agent: one model call per turn, no SDK retries (the fault is the first answer it sees)."""
    if provider == "anthropic":
        import anthropic

        claude = anthropic.Anthropic(base_url=base_url, api_key="sk-ant-fake", max_retries=0, timeout=1.0)

        def ask(text: str) -> str:
            reply = claude.messages.create(
                model="claude-x", max_tokens=50, messages=[{"role": "user", "content": text}]
            )
            return "".join(getattr(b, "text", "") for b in reply.content)
    else:
        import openai

        gpt = openai.OpenAI(base_url=base_url, api_key="sk-fake", max_retries=0, timeout=1.0)

        def ask(text: str) -> str:
            reply = gpt.chat.completions.create(model="gpt-x", messages=[{"role": "user", "content": text}])
            return reply.choices[0].message.content or ""

    def agent(messages: list[dict[str, Any]]) -> str:
        text = ask(messages[-1]["content"])
        return str(json.loads(text)["answer"]) if parse_json else text  # parse_json: the agent's own parsing

    return agent


make_agent.evalkit_factory = True  # type: ignore[attr-defined]


def _url(server: FakeLLMServer, provider: str) -> str:
    return server.anthropic_base_url if provider == "anthropic" else server.openai_base_url


async def _session(fake_llm: FakeLLMServer, hub_for: Any, provider: str, **params: Any) -> Any:
    agent = CallableAgent(
        target=f"{__name__}:make_agent", params={"provider": provider, "base_url": _url(fake_llm, provider), **params}
    )
    hub = hub_for(fake_llm)
    try:
        return await run_session(spec(agent, sim_model=None), hub)
    finally:
        await hub.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("provider", "fault"),
    [
        ("openai", "rate_limit"),
        ("openai", "server_error"),
        ("openai", "unavailable"),
        ("openai", "connection_reset"),
        ("openai", "malformed_json"),
        ("openai", "timeout"),
        ("anthropic", "overloaded"),
        ("anthropic", "rate_limit"),
        ("anthropic", "malformed_json"),
    ],
)
async def test_sdk_endpoint_failures_are_infrastructure_errors(
    fake_llm: FakeLLMServer, hub_for: Any, provider: str, fault: str
) -> None:
    fake_llm.hang_s = 3.0  # longer than the agent's 1 s client timeout
    fake_llm.inject(fault, role="agent")
    transcript = await _session(fake_llm, hub_for, provider)
    assert transcript.termination == R.infrastructure_error, transcript.termination_detail
    assert decide_trial(transcript, [], []).outcome == Outcome.invalid  # never blamed on the agent


@pytest.mark.asyncio
async def test_a_working_sdk_agent_is_unaffected(fake_llm: FakeLLMServer, hub_for: Any) -> None:
    fake_llm.add_rule(role="agent", text="your order is refunded")
    transcript = await _session(fake_llm, hub_for, "openai")
    assert transcript.termination == R.user_stop
    assert transcript.messages[-1].content == "your order is refunded"


@pytest.mark.asyncio
async def test_the_agents_own_mistakes_stay_agent_errors(fake_llm: FakeLLMServer, hub_for: Any) -> None:
    fake_llm.inject("bad_request", role="agent")  # a 400: the request the agent built was wrong
    bad_request = await _session(fake_llm, hub_for, "openai")
    assert bad_request.termination == R.agent_error and "BadRequestError" in bad_request.termination_detail
    fake_llm.add_rule(role="agent", text="not JSON at all")  # a valid 200 the agent's own json.loads chokes on
    own_parse = await _session(fake_llm, hub_for, "openai", parse_json=True)
    assert own_parse.termination == R.agent_error and "JSONDecodeError" in own_parse.termination_detail


def test_a_decode_error_counts_only_when_raised_inside_the_sdk() -> None:
    try:
        json.loads("{broken")
    except ValueError as err:
        assert not is_infrastructure(err)  # raised by the caller's own json.loads
    with FakeLLMServer() as server:
        import openai

        server.inject("malformed_json")
        client = openai.OpenAI(base_url=server.openai_base_url, api_key="sk-fake", max_retries=0)
        with pytest.raises(ValueError) as raised:
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    assert isinstance(raised.value, json.JSONDecodeError) and is_infrastructure(raised.value)
