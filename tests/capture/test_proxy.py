"""The capture proxy itself, over HTTP with the real SDKs: routing by session, relaying, shutting down."""

from __future__ import annotations

import asyncio
import socket

import anthropic
import openai
import pytest

from evalkit.llm.capture import CaptureProxy, loop_proxy, running_proxy, stop_proxy
from evalkit.llm.mock_rules import Reply, ReplyToolCall, Rule
from evalkit.testing import FakeLLMServer

HEADER_CANARY = "hdr-canary-31c9e0"


def refuses(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.asyncio
async def test_concurrent_sessions_each_see_only_their_own_calls(fake_llm):
    fake_llm.add_rule(
        Rule(
            handler=lambda request: Reply(
                tool_calls=[ReplyToolCall(name="lookup", arguments={"order": request.messages[-1].content})]
            )
        )
    )
    proxy = await CaptureProxy().start()
    try:
        sessions = [proxy.open(fake_llm.base_url("openai")) for _ in range(12)]
        clients = [openai.AsyncOpenAI(base_url=s.base_url, api_key="sk-x", max_retries=0) for s in sessions]

        async def ask(client: openai.AsyncOpenAI, index: int) -> None:
            for step in range(3):
                await client.chat.completions.create(
                    model="gpt-4.1", messages=[{"role": "user", "content": f"{index}-{step}"}], stream=step == 1
                )

        await asyncio.gather(*(ask(c, i) for i, c in enumerate(clients)))
        for index, session in enumerate(sessions):
            calls = session.drain()
            assert [c.tool_calls[0].arguments["order"] for c in calls] == [f"{index}-{s}" for s in range(3)]
            assert [c.stream for c in calls] == [False, True, False]
            assert session.drain() == []  # drained once
        for client in clients:
            await client.close()
    finally:
        await proxy.aclose()


@pytest.mark.asyncio
async def test_headers_are_forwarded_and_never_recorded(fake_llm):
    fake_llm.add_rule(text="ok")
    proxy = await CaptureProxy().start()
    try:
        session = proxy.open(fake_llm.base_url("anthropic"))
        client = anthropic.AsyncAnthropic(
            base_url=session.base_url,
            api_key="sk-ant-x",
            max_retries=0,
            default_headers={"x-custom-secret": HEADER_CANARY},
        )
        await client.messages.create(model="claude-x", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
        await client.close()
    finally:
        await proxy.aclose()
    [seen] = fake_llm.requests
    assert seen.headers.get("x-custom-secret") == HEADER_CANARY  # it reached the upstream
    [call] = session.calls
    assert call.text == "ok" and HEADER_CANARY not in call.model_dump_json()


@pytest.mark.asyncio
async def test_a_closed_session_is_refused_in_the_wire_s_error_shape(fake_llm):
    proxy = await CaptureProxy().start()
    try:
        session = proxy.open(fake_llm.base_url("openai"))
        proxy.close_session(session)
        client = openai.AsyncOpenAI(base_url=session.base_url, api_key="sk-x", max_retries=0)
        with pytest.raises(openai.NotFoundError, match="no open session"):
            await client.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": "late"}])
        await client.close()
    finally:
        await proxy.aclose()
    assert not fake_llm.requests and not session.calls


@pytest.mark.asyncio
async def test_other_paths_are_relayed_but_not_read(fake_llm):
    proxy = await CaptureProxy().start()
    try:
        session = proxy.open(fake_llm.base_url("openai"))
        client = openai.AsyncOpenAI(base_url=session.base_url, api_key="sk-x", max_retries=0)
        with pytest.raises(openai.APIStatusError) as caught:  # the fake serves chat only: its own 404, relayed
            await client.embeddings.create(model="text-embedding-3-small", input="x")
        assert caught.value.status_code == 404 and "no route" in str(caught.value)
        await client.close()
    finally:
        await proxy.aclose()
    assert session.calls == []


def test_the_run_s_proxy_stops_with_its_event_loop():
    idle = socket.create_connection  # a client keeping a connection open as the run ends

    async def run() -> tuple[int, socket.socket]:
        proxy = await loop_proxy()
        assert await loop_proxy() is proxy and running_proxy() is proxy  # one per loop
        with FakeLLMServer([Rule(text="hi")]) as fake:
            async with openai.AsyncOpenAI(
                base_url=proxy.open(fake.base_url("openai")).base_url, api_key="k", max_retries=0
            ) as client:
                await client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
        kept = idle(("127.0.0.1", proxy.port))
        await asyncio.sleep(0.05)  # the loop takes the connection in (one mid-accept at loop end leaks in 3.11)
        return proxy.port, kept

    port, kept = asyncio.run(run())
    with kept:
        kept.settimeout(5)
        assert kept.recv(1) == b""  # the proxy closed the idle connection as the loop ended
    assert refuses(port)  # and nothing listens after the run


@pytest.mark.asyncio
async def test_stop_proxy_closes_now_and_a_new_one_starts_on_demand():
    first = await loop_proxy()
    await stop_proxy()
    await stop_proxy()  # idempotent
    assert refuses(first.port) and running_proxy() is None
    second = await loop_proxy()
    assert second is not first and not refuses(second.port)
    await stop_proxy()


@pytest.mark.asyncio
@pytest.mark.parametrize("wire", ["openai", "anthropic"])
async def test_parallel_tool_calls_in_a_stream_are_rebuilt_in_order(fake_llm, wire):
    calls = [ReplyToolCall(id=f"c{i}", name=f"tool_{i}", arguments={"n": i, "text": 'a, "b"'}) for i in range(3)]
    fake_llm.add_rule(Rule(replies=[Reply(text="checking", tool_calls=calls)]))
    proxy = await CaptureProxy().start()
    try:
        session = proxy.open(fake_llm.base_url(wire))
        if wire == "openai":
            async with openai.AsyncOpenAI(base_url=session.base_url, api_key="k", max_retries=0) as gpt:
                stream = await gpt.chat.completions.create(
                    model="m", messages=[{"role": "user", "content": "go"}], stream=True
                )
                async for _ in stream:
                    pass
        else:
            async with (
                anthropic.AsyncAnthropic(base_url=session.base_url, api_key="k", max_retries=0) as claude,
                claude.messages.stream(
                    model="m", max_tokens=50, messages=[{"role": "user", "content": "go"}]
                ) as stream,
            ):
                await stream.get_final_message()
    finally:
        await proxy.aclose()
    [call] = session.calls
    assert call.stream and call.text == "checking"
    assert [(c.id, c.name, c.arguments) for c in call.tool_calls] == [(c.id, c.name, c.arguments) for c in calls]


@pytest.mark.asyncio
async def test_overlapping_closes_stop_the_proxy_once_without_error(fake_llm):
    """stop_proxy() and the loop's end can close the proxy at the same time (seen as `NoneType has no attribute
    wait_closed` in an offline run): the second closer finds nothing left to close."""
    fake_llm.add_rule(text="ok")
    proxy = await CaptureProxy().start()
    session = proxy.open(fake_llm.base_url("openai"))
    client = openai.AsyncOpenAI(base_url=session.base_url, api_key="sk-x", max_retries=0)
    await client.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": "hi"}])
    await asyncio.gather(proxy.aclose(), proxy.aclose(), proxy.aclose())
    await client.close()
    assert refuses(proxy.port)
