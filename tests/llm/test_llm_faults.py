"""Injected faults: classification, retry counts, Retry-After, and what is never retried."""

from __future__ import annotations

import time

import pytest

from evalkit.llm import ErrorKind, Message, ModelError
from evalkit.testing import Fault, Rule

PROVIDERS = ["openai:gpt-4.1-mini", "anthropic:claude-haiku-4-5"]
HI = [Message(role="user", content="hi")]


@pytest.fixture
def server(fake_llm):
    fake_llm.add_rule(Rule(match="^hi$", text="fine"))
    return fake_llm


@pytest.mark.asyncio
@pytest.mark.parametrize("name", PROVIDERS)
@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        (Fault.rate_limit, ErrorKind.rate_limit),
        (Fault.server_error, ErrorKind.server),
        (Fault.unavailable, ErrorKind.overloaded),
        (Fault.overloaded, ErrorKind.overloaded),
        (Fault.connection_reset, ErrorKind.connection),
        (Fault.malformed_json, ErrorKind.server),
    ],
)
async def test_retryable_faults_are_classified_and_retried(server, hub_for, name, fault, kind):
    hub = hub_for(
        server, max_retries=2, rate_limit_wait_s=0
    )  # 429s counted like other retries (see test_llm_ratelimit)
    server.inject(fault, times=2)
    reply = await hub.model(name).generate(HI)
    assert reply.text == "fine" and len(server.requests) == 3  # two failures, then success
    assert reply.attempts == 3

    server.reset()
    server.inject(fault, times=10)
    with pytest.raises(ModelError) as info:
        await hub.model(name).generate(HI)
    assert info.value.kind is kind and info.value.attempts == 3
    assert len(server.requests) == 3
    server.reset()
    await hub.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize("name", PROVIDERS)
@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        (Fault.auth, ErrorKind.auth),
        (Fault.bad_request, ErrorKind.bad_request),
        (Fault.context_length, ErrorKind.context_length),
    ],
)
async def test_client_errors_are_never_retried(server, hub_for, name, fault, kind):
    hub = hub_for(server, max_retries=3)
    server.inject(fault, times=5)
    with pytest.raises(ModelError) as info:
        await hub.model(name).generate(HI)
    assert info.value.kind is kind and info.value.attempts == 1 and info.value.status in (400, 401)
    assert len(server.requests) == 1
    await hub.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize("header", ["retry_after", "retry_after_ms"])
async def test_retry_after_is_honoured(server, hub_for, header):
    # base delay is tiny (0.01 s), so any wait near 0.4 s can only come from the header
    hub = hub_for(server, retry_base_s=0.001)
    wait = {"retry_after": 0.4} if header == "retry_after" else {"retry_after_ms": 400}
    server.inject(Fault.rate_limit, **wait)
    started = time.monotonic()
    reply = await hub.model("openai:gpt-4.1-mini").generate(HI)
    assert reply.text == "fine" and len(server.requests) == 2
    assert time.monotonic() - started >= 0.4
    await hub.aclose()


@pytest.mark.asyncio
async def test_retry_after_is_capped_by_retry_max(server, hub_for):
    hub = hub_for(server, retry_max_s=0.05, max_retries=1)
    server.inject(Fault.overloaded, retry_after=3600)
    started = time.monotonic()
    await hub.model("anthropic:claude-haiku-4-5").generate(HI)
    assert time.monotonic() - started < 30  # would be an hour if the header were obeyed blindly
    await hub.aclose()


@pytest.mark.asyncio
async def test_hanging_server_times_out_and_is_retried(server, hub_for):
    hub = hub_for(server, timeout_s=0.2, max_retries=1)
    server.inject(Fault.timeout, times=5)
    with pytest.raises(ModelError) as info:
        await hub.model("openai:gpt-4.1-mini").generate(HI)
    assert info.value.kind is ErrorKind.timeout and info.value.attempts == 2
    await hub.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize("name", PROVIDERS)
async def test_empty_and_truncated_answers_are_responses_not_errors(server, hub_for, name):
    hub = hub_for(server)
    server.inject(Fault.empty_content)
    empty = await hub.model(name).generate(HI)
    assert (empty.text, empty.tool_calls, empty.finish_reason) == ("", [], "stop")
    server.add_rule(Rule(match="long", text="a fairly long answer that will be cut"))
    server.inject(Fault.truncated)
    cut = await hub.model(name).generate([Message(role="user", content="long")])
    assert cut.finish_reason == "length" and cut.text == "a fairly long answ"
    await hub.aclose()


@pytest.mark.asyncio
async def test_missing_api_key_is_an_auth_error(monkeypatch, tmp_path):
    from evalkit.llm import HubConfig, ModelHub

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    hub = ModelHub(HubConfig(cache_dir=tmp_path))
    with pytest.raises(ModelError) as info:
        await hub.model("openai:gpt-4.1-mini").generate(HI)
    assert info.value.kind is ErrorKind.auth and "OPENAI_API_KEY" in str(info.value)
