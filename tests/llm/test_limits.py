"""Concurrency limits: never more than max_connections in flight, and throughput close to the limit."""

from __future__ import annotations

import asyncio
import time

import pytest

from evalkit.llm import Message
from evalkit.llm.limits import EndpointLimiter, TokenBucket
from evalkit.testing import FakeLLMServer, Rule


@pytest.mark.asyncio
@pytest.mark.parametrize("name", ["openai:gpt-4.1-mini", "anthropic:claude-haiku-4-5"])
async def test_max_connections_caps_in_flight_and_keeps_throughput(hub_for, name):
    n, latency, total = 20, 0.05, 200
    with FakeLLMServer([Rule(text="ok")], latency_s=latency) as server:
        hub = hub_for(server, max_connections=n)
        model = hub.model(name)
        await model.generate([Message(role="user", content="warm-up")])  # SDK import and first connection
        server.reset()
        started, cpu = time.monotonic(), time.process_time()
        replies = await asyncio.gather(*(model.generate([Message(role="user", content=f"q{i}")]) for i in range(total)))
        elapsed, cpu = time.monotonic() - started, time.process_time() - cpu
        assert all(r.text == "ok" for r in replies) and len(server.requests) == total
        assert server.max_in_flight <= n
        assert server.max_in_flight >= n // 2  # the limit is actually used, not serialised
        # Loose: ideal is total/n*latency = 0.5 s. The SDKs and the fake server share this process, so
        # their CPU time (about 1 s here, mostly SDK) is a floor no limiter can beat; allow for it.
        assert elapsed < 2 * (total / n * latency) + cpu, (elapsed, cpu)
        await hub.aclose()


@pytest.mark.asyncio
async def test_per_provider_override_and_separate_endpoints(hub_for):
    with FakeLLMServer([Rule(text="ok")], latency_s=0.05) as server:
        hub = hub_for(server, max_connections=50, max_connections_per_provider={"openai": 3})
        model = hub.model("openai:gpt-4.1-mini")
        await asyncio.gather(*(model.generate([Message(role="user", content=str(i))]) for i in range(12)))
        assert server.max_in_flight <= 3
        await hub.aclose()


@pytest.mark.asyncio
async def test_limiter_is_per_event_loop():
    """A hub built in one loop keeps working when a worker thread drives it from another."""
    limiter = EndpointLimiter(2)

    async def use() -> int:
        async with limiter.slot():
            await asyncio.sleep(0)
        return 1

    assert await use() == 1
    assert await asyncio.to_thread(asyncio.run, use()) == 1


@pytest.mark.asyncio
async def test_token_bucket_spaces_requests_beyond_the_burst():
    bucket = TokenBucket(rpm=600)  # 10 per second, burst of 10
    started = time.monotonic()
    for _ in range(13):
        await bucket.acquire()
    assert time.monotonic() - started >= 0.25  # three beyond the burst need ~0.3 s
