"""Record a run, replay it with no server at all; misses explain themselves; secrets never land on disk."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, SecretStr

from evalkit.llm import CallTag, ErrorKind, GenerateConfig, HubConfig, Message, ModelError, ModelHub, ToolSpec
from evalkit.testing import FakeLLMServer, Reply, Rule, hub_config_for

SECRET = "sk-live-DO-NOT-LEAK-4242"
JUDGE = GenerateConfig(temperature=0, tag=CallTag(role="judge"))


class Grade(BaseModel):
    ok: bool


RULES = [
    Rule(match="weather", tool_calls=[{"name": "get_weather", "arguments": {"city": "Oslo"}}]),
    Rule(role="judge", replies=[Reply(text="not json"), Reply(json={"ok": True})]),
    Rule(text="plain answer"),
]


async def small_run(hub: ModelHub) -> list:
    out = []
    for name in ("openai:gpt-4.1-mini", "anthropic:claude-haiku-4-5"):
        model = hub.model(name)
        out.append(await model.generate([Message(role="user", content="hello")]))
        out.append(
            await model.generate([Message(role="user", content="weather?")], tools=[ToolSpec(name="get_weather")])
        )
        out.append(await model.generate([Message(role="user", content="grade")], output_schema=Grade, config=JUDGE))
    return out


def comparable(results: list) -> list:
    return [(r.text, r.tool_calls, r.finish_reason, r.parsed, r.model) for r in results]


@pytest.mark.asyncio
async def test_record_then_replay_with_server_stopped(tmp_path):
    cassette = tmp_path / "run.cassette.jsonl"
    with FakeLLMServer(RULES, api_key=SECRET) as server:
        config = hub_config_for(
            server,
            record_path=cassette,
            cache_dir=tmp_path / "cache",
            api_keys={"openai": SecretStr(SECRET), "anthropic": SecretStr(SECRET)},
        )
        recorder = ModelHub(config)
        recorded = await small_run(recorder)
        await recorder.aclose()
        assert len(server.requests) == 7  # 3 calls per provider; the first judge call needed one repair
    lines = cassette.read_text().splitlines()
    assert len(lines) == 7 and all(json.loads(line)["request"]["provider"] in ("openai", "anthropic") for line in lines)

    # The server is gone: any network attempt would fail with a connection error.
    player = ModelHub(config.model_copy(update={"record_path": None, "replay_path": cassette, "cache": False}))
    replayed = await small_run(player)
    assert comparable(replayed) == comparable(recorded)
    assert all(r.cached and r.cost_usd == 0.0 for r in replayed)
    await player.aclose()

    # Secrets never reach the disk: scan the cassette and every cache file.
    files = [cassette, *(tmp_path / "cache").iterdir()]
    assert any(p.name.startswith("responses.sqlite") for p in files)
    for path in files:
        assert SECRET.encode() not in path.read_bytes(), path
        assert b"authorization" not in path.read_bytes().lower(), path


@pytest.mark.asyncio
async def test_a_recording_keeps_the_calls_the_response_cache_answered(tmp_path):
    """Recording with a warm response cache: the judge's cached answers are on the cassette too, so a replay
    of that recording finds every call (they used to be missing, and the replayed judge failed as no_recording)."""
    with FakeLLMServer(RULES) as server:
        warm = hub_config_for(server, cache_dir=tmp_path / "cache")
        hub = ModelHub(warm)
        await small_run(hub)
        await hub.aclose()
        cassette = tmp_path / "warm.cassette.jsonl"
        recorder = ModelHub(warm.model_copy(update={"record_path": cassette}))
        recorded = await small_run(recorder)
        await recorder.aclose()
    assert any(r.cached for r in recorded)  # the cache did answer while recording
    player = ModelHub(warm.model_copy(update={"replay_path": cassette, "cache": False}))
    replayed = await small_run(player)
    await player.aclose()
    assert comparable(replayed) == comparable(recorded)


@pytest.mark.asyncio
async def test_unrecorded_request_fails_with_readable_diff(tmp_path):
    cassette = tmp_path / "c.jsonl"
    with FakeLLMServer([Rule(text="hi there")]) as server:
        hub = ModelHub(hub_config_for(server, record_path=cassette, no_cache=True))
        await hub.model("openai:gpt-4.1-mini").generate(
            [
                Message(role="system", content="You are a support agent."),
                Message(role="user", content="my blender is broken"),
            ]
        )
        await hub.model("openai:gpt-4.1-mini").generate([Message(role="user", content="something unrelated entirely")])
        await hub.aclose()
    player = ModelHub(HubConfig(replay_path=cassette, no_cache=True, base_urls={"openai": "http://127.0.0.1:9/v1"}))
    with pytest.raises(ModelError) as info:
        await player.model("openai:gpt-4.1-mini").generate(
            [
                Message(role="system", content="You are a support agent."),
                Message(role="user", content="my toaster is broken"),
            ]
        )
    err = info.value
    assert err.kind is ErrorKind.no_recording
    text = str(err)
    assert "nearest recorded request" in text
    assert '-      "content": "my blender is broken"' in text and '+      "content": "my toaster is broken"' in text
    assert "something unrelated" not in text  # the nearest one was chosen, not the first


@pytest.mark.asyncio
async def test_repeated_requests_replay_in_recorded_order(tmp_path):
    cassette = tmp_path / "seq.jsonl"
    with FakeLLMServer([Rule(replies=[Reply(text="first"), Reply(text="second")])]) as server:
        hub = ModelHub(hub_config_for(server, record_path=cassette, no_cache=True))
        ask = [Message(role="user", content="again")]
        recorded = [(await hub.model("openai:m").generate(ask)).text for _ in range(2)]
        await hub.aclose()
    player = ModelHub(HubConfig(replay_path=cassette, no_cache=True))
    replayed = [
        (await player.model("openai:m").generate([Message(role="user", content="again")])).text for _ in range(3)
    ]
    assert recorded == ["first", "second"] and replayed == ["first", "second", "second"]


def test_broken_cassette_line_is_reported(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"key": "k", "request": {}, "response": {}}\nnot json\n')
    with pytest.raises(ModelError, match=r"bad.jsonl:2: not a cassette entry"):
        ModelHub(HubConfig(replay_path=path))


@pytest.mark.asyncio
async def test_text_mode_fallback_replays(tmp_path):
    cassette = tmp_path / "fallback.jsonl"
    with FakeLLMServer([Rule(role="judge", text='{"ok": false}')]) as server:
        server.inject("bad_request")  # the server refuses response_format once
        hub = ModelHub(hub_config_for(server, record_path=cassette, no_cache=True))
        recorded = await hub.model("openai:llama3").generate(
            [Message(role="user", content="grade")], output_schema=Grade, config=JUDGE
        )
        await hub.aclose()
    player = ModelHub(HubConfig(replay_path=cassette, no_cache=True))
    replayed = await player.model("openai:llama3").generate(
        [Message(role="user", content="grade")], output_schema=Grade, config=JUDGE
    )
    assert replayed.parsed == recorded.parsed == Grade(ok=False)


@pytest.mark.asyncio
async def test_concurrent_recording_writes_whole_lines(tmp_path):
    import asyncio

    cassette = tmp_path / "many.jsonl"
    async with FakeLLMServer([Rule(text="x" * 3000)]) as server:  # long lines make interleaving visible
        hub = ModelHub(hub_config_for(server, record_path=cassette, no_cache=True, max_connections=16))
        model = hub.model("openai:gpt-4.1-mini")
        await asyncio.gather(*(model.generate([Message(role="user", content=f"q{i}")]) for i in range(60)))
        await hub.aclose()
    lines = cassette.read_text().splitlines()
    assert len(lines) == 60
    assert sorted(json.loads(line)["request"]["messages"][0]["content"] for line in lines) == sorted(
        f"q{i}" for i in range(60)
    )
