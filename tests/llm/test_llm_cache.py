"""Response cache: hits make no request, every keyed field misses, processes share it safely."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from pydantic import BaseModel

from evalkit.llm import CallTag, GenerateConfig, Message, ModelResponse, ResponseCache, ToolSpec
from evalkit.testing import Rule

JUDGE = GenerateConfig(temperature=0, tag=CallTag(role="judge", session_id="a"))
ASK = [Message(role="user", content="grade it")]


class Score(BaseModel):
    value: int


class OtherScore(BaseModel):
    points: int


@pytest.fixture
def server(fake_llm):
    fake_llm.add_rule(Rule(role="judge", json={"value": 3, "points": 3}))
    fake_llm.add_rule(Rule(text="hello"))
    return fake_llm


@pytest.mark.asyncio
async def test_second_identical_call_is_a_free_hit(server, hub_for):
    hub = hub_for(server)
    model = hub.model("openai:gpt-4.1-mini")
    first = await model.generate(ASK, output_schema=Score, config=JUDGE)
    # tag and timeout are not part of the key: another session reuses the judgement
    second = await model.generate(
        ASK,
        output_schema=Score,
        config=JUDGE.model_copy(update={"timeout_s": 5, "tag": CallTag(role="judge", session_id="b")}),
    )
    assert len(server.requests) == 1
    assert isinstance(second, ModelResponse) and second.cached and not first.cached
    assert second.parsed == first.parsed == Score(value=3) and second.text == first.text
    assert second.cost_usd == 0.0 and second.usage.input_tokens == 0
    judge = hub.usage.by_role()["judge"]
    assert judge.calls == 2 and judge.cache_hits == 1 and judge.input_tokens == first.usage.input_tokens
    await hub.aclose()


VARIANTS = {
    "model": lambda hub: (hub.model("openai:gpt-4.1"), ASK, {}, JUDGE),
    "provider": lambda hub: (hub.model("anthropic:gpt-4.1-mini"), ASK, {}, JUDGE),
    "messages": lambda hub: (hub.model("openai:gpt-4.1-mini"), [Message(role="user", content="grade it!")], {}, JUDGE),
    "tools": lambda hub: (hub.model("openai:gpt-4.1-mini"), ASK, {"tools": [ToolSpec(name="t")]}, JUDGE),
    "schema": lambda hub: (hub.model("openai:gpt-4.1-mini"), ASK, {"output_schema": OtherScore}, JUDGE),
    "temperature": lambda hub: (
        hub.model("openai:gpt-4.1-mini"),
        ASK,
        {},
        JUDGE.model_copy(update={"temperature": 0.7}),
    ),
    "sample_index": lambda hub: (
        hub.model("openai:gpt-4.1-mini"),
        ASK,
        {},
        JUDGE.model_copy(update={"sample_index": 1}),
    ),
}


@pytest.mark.asyncio
@pytest.mark.parametrize("field", sorted(VARIANTS))
async def test_changing_any_keyed_field_misses(server, hub_for, field):
    hub = hub_for(server)
    await hub.model("openai:gpt-4.1-mini").generate(ASK, output_schema=Score, config=JUDGE)
    model, messages, extra, config = VARIANTS[field](hub)
    extra.setdefault("output_schema", Score)
    result = await model.generate(messages, config=config, **extra)
    assert len(server.requests) == 2 and not result.cached
    again = await model.generate(messages, config=config, **extra)
    assert again.cached and len(server.requests) == 2
    await hub.aclose()


@pytest.mark.asyncio
async def test_another_base_url_misses(server, hub_for):
    from evalkit.testing import FakeLLMServer

    hub = hub_for(server)
    await hub.model("openai:gpt-4.1-mini").generate(ASK, output_schema=Score, config=JUDGE)
    with FakeLLMServer([Rule(json={"value": 4})]) as other:
        result = await hub.model("openai:gpt-4.1-mini", base_url=other.openai_base_url).generate(
            ASK, output_schema=Score, config=JUDGE
        )
        assert not result.cached and result.parsed == Score(value=4) and len(other.requests) == 1
    await hub.aclose()


@pytest.mark.asyncio
async def test_roles_and_no_cache(server, hub_for, tmp_path):
    hi = [Message(role="user", content="hi")]
    agent = GenerateConfig(tag=CallTag(role="agent"))
    hub = hub_for(server)
    model = hub.model("openai:gpt-4.1-mini")
    await model.generate(hi, config=agent)
    await model.generate(hi, config=agent)
    assert len(server.requests) == 2  # agent calls are not cached by default

    server.reset()
    opted_in = hub_for(server, cache_roles={"judge", "agent"}, cache_dir=tmp_path / "c2")
    await opted_in.model("openai:gpt-4.1-mini").generate(hi, config=agent)
    assert (await opted_in.model("openai:gpt-4.1-mini").generate(hi, config=agent)).cached
    assert len(server.requests) == 1

    server.reset()
    off = hub_for(server, no_cache=True, cache_dir=tmp_path / "c3")
    for _ in range(2):
        await off.model("openai:gpt-4.1-mini").generate(ASK, output_schema=Score, config=JUDGE)
    assert len(server.requests) == 2 and off.cache is None
    assert not (tmp_path / "c3").exists()


@pytest.mark.asyncio
async def test_unparseable_results_are_not_cached(fake_llm, hub_for):
    fake_llm.add_rule(Rule(role="judge", text="no json here"))
    hub = hub_for(fake_llm)
    for _ in range(2):
        await hub.model("openai:gpt-4.1-mini").generate(ASK, output_schema=Score, config=JUDGE)
    assert len(fake_llm.requests) == 4  # two attempts (call + repair) each time
    assert hub.cache.stats().entries == 0


_WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from evalkit.llm import ModelResponse, ResponseCache
    cache = ResponseCache(Path(sys.argv[1]))
    for i in range(300):
        cache.put(f"{sys.argv[2]}-{i}", ModelResponse(text="x" * 200 + str(i), model="openai:m"), "judge")
        assert cache.get(f"{sys.argv[2]}-{i}").text.endswith(str(i))
    """
)


def test_two_processes_write_at_once_without_corruption(tmp_path):
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path), name]) for name in ("a", "b")]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    cache = ResponseCache(tmp_path)
    assert cache.integrity_ok()
    stats = cache.stats()
    assert stats.entries == 600 and stats.by_role == {"judge": 600}
    assert cache.get("a-299").text.endswith("299") and cache.get("b-0") is not None
    assert cache.clear(role="agent") == 0 and cache.clear() == 600 and cache.stats().entries == 0
    cache.close()
