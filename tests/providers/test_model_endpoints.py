"""A base URL per model: a model-as-agent tier and the simulator each reach the server their config names
(an Ollama/vLLM stand-in), other models keep the run's endpoint, and `llama3.1:8b` keeps its colon."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.conversation import SessionSpec, run_session
from evalkit.llm.hub import ModelHub
from evalkit.spec.problems import SpecError
from evalkit.spec.suites import load_suite
from evalkit.testing import FakeLLMServer, Rule, hub_config_for

SUITE = """\
suite: local-tiers
agent: {kind: model, system_prompt: You help.}
agent_models:
  - openai:gpt-4.1-mini
  - {model: "openai:llama3.1:8b", base_url: "%(agent)s"}
simulator: {model: "openai:qwen2.5:7b", base_url: "%(sim)s"}
scenarios:
  - {id: hello, goal: Say hello., opening: hi there, max_turns: 2}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "suite.yaml"
    path.write_text(text)
    return path


@pytest.mark.asyncio
async def test_tier_and_simulator_go_to_their_own_endpoints(tmp_path: Path) -> None:
    stop = Rule(role="simulator", tool_calls=[{"name": "end_conversation", "arguments": {"reason": "goal_met"}}])
    async with (
        FakeLLMServer() as run_wide,
        FakeLLMServer([Rule(role="agent", text="hello")]) as ollama,
        FakeLLMServer([stop]) as vllm,
    ):
        loaded = load_suite(write(tmp_path, SUITE % {"agent": ollama.openai_base_url, "sim": vllm.openai_base_url}))
        suite = loaded.suite
        assert suite.agent_models == ["openai:gpt-4.1-mini", "openai:llama3.1:8b"]
        hub = ModelHub(hub_config_for(run_wide, cache_dir=tmp_path / "cache"))
        spec = SessionSpec.from_suite(suite, suite.scenarios[0], trial=0, seed=0, agent_model="openai:llama3.1:8b")
        transcript = await run_session(spec, hub)
        await hub.aclose()
    assert [r.model for r in ollama.requests] == ["llama3.1:8b"]
    assert vllm.requests and {r.model for r in vllm.requests} == {"qwen2.5:7b"}
    assert run_wide.requests == []
    assert transcript.messages[1].content == "hello"
    assert transcript.meta.agent_model == transcript.meta.agent_tier == "openai:llama3.1:8b"


def test_a_string_tier_has_no_endpoint_and_offline_drops_them(tmp_path: Path) -> None:
    suite = load_suite(write(tmp_path, SUITE % {"agent": "http://localhost:11434/v1", "sim": "http://x:1/v1"})).suite
    assert suite.tier_base_url("openai:gpt-4.1-mini") is None
    assert suite.tier_base_url("openai:llama3.1:8b") == "http://localhost:11434/v1"
    offline = suite.without_endpoints()
    assert offline.tier_base_urls == {} and offline.simulator.base_url is None
    assert offline.agent_models == suite.agent_models


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ('{model: "openai:llama3.1:8b", base_uri: "http://h/v1"}', ":5:.*base_uri.*unknown key"),
        ('{model: "openai:llama3.1:8b", base_url: "localhost:11434"}', ":5:.*base_url.*expected base_url: an http"),
        ('{base_url: "http://h/v1"}', ":5:.*agent_models\\[1\\].*expected model: provider:model"),
    ],
)
def test_a_bad_tier_is_one_located_line(tmp_path: Path, entry: str, expected: str) -> None:
    text = SUITE.replace('{model: "openai:llama3.1:8b", base_url: "%(agent)s"}', entry) % {"sim": "http://h/v1"}
    with pytest.raises(SpecError, match=expected) as info:
        load_suite(write(tmp_path, text))
    assert str(tmp_path / "suite.yaml") in str(info.value) or "suite.yaml" in str(info.value)


@pytest.mark.asyncio
async def test_a_colon_in_the_model_name_keys_the_cache(tmp_path: Path) -> None:
    from evalkit.llm import CallTag, GenerateConfig, Message

    config = GenerateConfig(temperature=0, tag=CallTag(role="judge", session_id="a"))
    ask = [Message(role="user", content="grade it")]
    async with FakeLLMServer([Rule(text="fine")]) as run_wide, FakeLLMServer([Rule(text="ok")]) as ollama:
        hub = ModelHub(hub_config_for(run_wide, cache_dir=tmp_path / "cache"))
        small = hub.model("openai:llama3.1:8b", base_url=ollama.openai_base_url)
        first = await small.generate(ask, config=config)
        second = await small.generate(ask, config=config)
        other = await hub.model("openai:llama3.1:70b", base_url=ollama.openai_base_url).generate(ask, config=config)
        await hub.aclose()
    assert [r.model for r in ollama.requests] == ["llama3.1:8b", "llama3.1:70b"]
    assert not first.cached and second.cached and not other.cached
