"""Rate limits over HTTP with the real SDKs: header pacing, AIMD backoff and recovery, Retry-After, 429 retries.

Every assertion counts (429s, concurrency, attempts); none times the run.
"""

from __future__ import annotations

import asyncio

import pytest

from evalkit.llm import ErrorKind, Message, ModelError
from evalkit.testing import FakeLLMServer, Fault, Rule

OK = [Rule(text="ok")]


def ask(i: int, words: int = 1) -> list[Message]:
    return [Message(role="user", content=" ".join([f"q{i}"] * words))]


async def burst(hub, name: str, n: int, words: int = 1) -> None:
    model = hub.model(name)
    replies = await asyncio.gather(*(model.generate(ask(i, words)) for i in range(n)))
    assert all(r.text == "ok" for r in replies)


@pytest.mark.asyncio
@pytest.mark.parametrize("adaptive", [True, False])
async def test_request_headers_pace_the_client_below_the_wall(hub_for, adaptive):
    """1,200 rpm held as a 1 s bucket (20): 80 requests at once. Paced by the headers there are (almost)
    no 429s; the fixed 32 connections of adaptive-off run into the wall again and again."""
    with FakeLLMServer(OK, latency_s=0.02, rpm=1200, rate_window_s=1.0) as server:
        hub = hub_for(server, adaptive={"enabled": adaptive})
        await burst(hub, "openai:gpt-4.1-mini", 80)
        stats, snap = server.rate_limit_stats, hub.limits_snapshot()[0]
        assert stats.accepted == 80 and snap["rate_limited"] == stats.rejected
        if adaptive:
            # behaviour, not a timing target (bench/ratelimit.py holds the <= 1% one): paced, it stays far from the
            # wall's 20+; a loaded CI runner's scheduling jitter let 5 of 80 through once, so the bound is 8
            assert stats.rejected <= 8 and snap["remaining"]["requests"] >= 0 and snap["paced_s"] > 0
        else:
            assert stats.rejected > 20 and snap["remaining"] == {}
        await hub.aclose()


@pytest.mark.asyncio
async def test_token_headers_pace_by_estimated_tokens(hub_for):
    """Anthropic's token budget binds (400 a second, about 21 of these requests), the request count does not."""
    with FakeLLMServer(OK, latency_s=0.02, tpm=24_000, rate_window_s=1.0) as server:
        hub = hub_for(server)
        await burst(hub, "anthropic:claude-haiku-4-5", 70, words=20)
        assert server.rate_limit_stats.rejected <= 2
        snap = hub.limits_snapshot()[0]
        assert set(snap["remaining"]) == {"tokens"} and snap["paced_s"] > 0 and snap["tokens_per_min"] > 0
        await hub.aclose()


@pytest.mark.asyncio
async def test_429s_without_headers_cut_concurrency_and_clean_rounds_restore_it(hub_for):
    """A server that only says 429: AIMD alone. Lifting its limit lets the connection count grow back."""
    with FakeLLMServer(OK, latency_s=0.05, rpm=3000, rate_window_s=0.2, rate_limit_headers=False) as server:
        hub = hub_for(server, adaptive={"start": 16, "cooldown_s": 0.05})
        await burst(hub, "openai:gpt-4.1-mini", 60)
        after_429s = hub.limits_snapshot()[0]
        assert after_429s["cuts"] >= 1 and after_429s["concurrency"] < 16
        assert after_429s["rate_limited"] == server.rate_limit_stats.rejected > 0

        server.set_rate_limit(None)
        server.reset()
        server.latency_s = 0.01
        await burst(hub, "openai:gpt-4.1-mini", 400)
        recovered = hub.limits_snapshot()[0]
        assert recovered["concurrency"] > after_429s["concurrency"] and recovered["raises"] > after_429s["raises"]
        assert server.max_in_flight > after_429s["concurrency"]  # the server really saw more at once
        await hub.aclose()


@pytest.mark.asyncio
async def test_retry_after_holds_every_start_on_the_endpoint(hub_for):
    with FakeLLMServer(OK) as server:
        hub = hub_for(server, retry_base_s=0.001)
        server.inject(Fault.rate_limit, retry_after=0.5)
        model = hub.model("openai:gpt-4.1-mini")
        first = asyncio.create_task(model.generate(ask(0)))
        while hub.limits_snapshot()[0]["rate_limited"] == 0:
            await asyncio.sleep(0.005)
        others = await asyncio.gather(*(model.generate(ask(i)) for i in range(1, 6)))
        assert (await first).attempts == 2 and all(r.attempts == 1 for r in others)
        rejected_at = server.requests[0].at
        assert len(server.requests) == 7
        assert all(r.at >= rejected_at + 0.45 for r in server.requests[1:])  # nobody started during the hold
        await hub.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize("name", ["openai:gpt-4.1-mini", "anthropic:claude-haiku-4-5"])
async def test_429s_are_retried_beyond_max_retries_while_the_wait_budget_lasts(hub_for, name):
    with FakeLLMServer(OK) as server:
        hub = hub_for(server, max_retries=1, retry_base_s=0.001)
        server.inject(Fault.rate_limit, times=6, retry_after_ms=5)
        reply = await hub.model(name).generate(ask(0))
        assert reply.text == "ok" and reply.attempts == 7

        strict = hub_for(server, max_retries=1, retry_base_s=0.001, rate_limit_wait_s=0.012)
        server.inject(Fault.rate_limit, times=6, retry_after_ms=5)
        with pytest.raises(ModelError) as info:
            await strict.model(name).generate(ask(1))
        # two waits of 5 ms fit the 12 ms budget, then the one ordinary retry: 4 attempts
        assert info.value.kind is ErrorKind.rate_limit and info.value.attempts == 4
        await hub.aclose()
        await strict.aclose()


@pytest.mark.asyncio
async def test_static_max_connections_caps_the_adaptive_limit(hub_for):
    with FakeLLMServer(OK, latency_s=0.02) as server:
        hub = hub_for(server, max_connections=5, adaptive={"start": 4})
        await burst(hub, "openai:gpt-4.1-mini", 120)
        snap = hub.limits_snapshot()[0]
        assert server.max_in_flight <= 5 and snap["concurrency"] == 5 and snap["mode"] == "adaptive"
        await hub.aclose()
