"""A tier's own endpoint (`agent_models: [{model, base_url}]`) reaches an SDK agent, not only a model agent.

Comparing a local model with a hosted one is the tier comparison users run with their own agent: before,
the factory got the local tier's model name and the run's OpenAI endpoint, so the local tier's calls went
to the hosted API. Two fake servers stand for the two endpoints; their request logs say who was called.
"""

from __future__ import annotations

import json

import pytest
from plugin_helpers import Project

from evalkit.conversation.session_spec import SessionSpec
from evalkit.spec import ModelAgent, load_suite
from evalkit.testing import FakeLLMServer

SDK_AGENT = """
import openai


class Agent:
    def __init__(self, model, base_url, api_key):
        self.model = model
        self.client = openai.AsyncOpenAI(base_url=base_url, api_key=api_key, max_retries=0)

    async def respond(self, messages):
        reply = await self.client.chat.completions.create(model=self.model, messages=messages)
        return reply.choices[0].message.content


def make_agent(model="gpt-4.1-mini", base_url=None, api_key="sk-test"):
    return Agent(model, base_url, api_key)


def make_uncaptured(model="gpt-4.1-mini", base_url=None, api_key="sk-test"):
    return Agent(model, base_url, api_key)


make_uncaptured.evalkit_capture = False


def plain(messages):
    return "hello"
"""

SUITE = """
suite: tiers
agent: {{kind: factory, target: "sdk_agent:{factory}"}}
agent_models:
  - {{model: "openai:llama3.1:8b", base_url: "{local}"}}
  - openai:gpt-4.1-mini
trials: 1
scenarios:
  - id: hello
    goal: say hello
    turns: [{{user: "hello"}}]
    checks: [{{contains: "answer"}}]
"""


def tier_project(project: Project, hosted: FakeLLMServer, local: FakeLLMServer, factory: str) -> None:
    project.write("sdk_agent.py", SDK_AGENT)
    project.suite(SUITE.format(factory=factory, local=local.openai_base_url), "suites/tiers.yaml")
    hosted.add_rule(text="hosted answer")
    local.add_rule(text="local answer")


def run_live(project: Project, hosted: FakeLLMServer) -> pytest.RunResult:
    """The run's OpenAI endpoint is the hosted server; only the tier written with base_url goes elsewhere."""
    args = ("suites", "--evalkit-live", f"--evalkit-base-url=openai={hosted.openai_base_url}", "-p", "no:cacheprovider")
    return project.pytester.runpytest_subprocess(*args)


def models_called(server: FakeLLMServer) -> list[str]:
    return [r.body.get("model") for r in server.requests]


@pytest.mark.parametrize("factory", ["make_agent", "make_uncaptured"])
def test_each_tier_reaches_its_own_endpoint(
    project: Project, fake_llm: FakeLLMServer, factory: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake_llm.openai_base_url)  # where an uncaptured client goes by itself
    with FakeLLMServer() as local:
        tier_project(project, fake_llm, local, factory)
        result = run_live(project, fake_llm)
        result.assert_outcomes(passed=4)  # two tiers x (scenario + gate)
        assert models_called(local) == ["llama3.1:8b"]
        assert models_called(fake_llm) == ["gpt-4.1-mini"]
    transcripts = {p.name: json.loads(p.read_text()) for p in project.run_dirs()[-1].glob("transcripts/*.json")}
    said = {
        name.split("__")[2]: [m["content"] for m in t["messages"] if m["role"] == "assistant"]
        for name, t in transcripts.items()
    }
    assert said == {"openai_llama3.1_8b": ["local answer"], "openai_gpt-4.1-mini": ["hosted answer"]}
    captured = [len(t["agent_calls"]) for t in transcripts.values()]
    assert captured == ([1, 1] if factory == "make_agent" else [0, 0])  # the proxy sits between only when captured


def test_a_tier_endpoint_the_agent_cannot_take_stops_the_run(project: Project, fake_llm: FakeLLMServer) -> None:
    """A plain agent function has no base_url to be given: the tier's endpoint would be read by nobody."""
    with FakeLLMServer() as local:
        tier_project(project, fake_llm, local, "plain")
        project.suite(
            SUITE.format(factory="plain", local=local.openai_base_url).replace("kind: factory", "kind: callable"),
            "suites/tiers.yaml",
        )
        result = run_live(project, fake_llm)
        assert result.ret == 4
        assert local.requests == [] and fake_llm.requests == []
    out = result.stdout.str() + result.stderr.str()
    assert (
        f"suites/tiers.yaml:4:5: agent_models: openai:llama3.1:8b: base_url {local.openai_base_url} would not be used"
        in out
    )
    assert "agent 'sdk_agent:plain' takes no base_url parameter" in out


def test_the_session_spec_carries_a_python_agents_tier_endpoint(tmp_path) -> None:
    path = tmp_path / "tiers.yaml"
    path.write_text(SUITE.format(factory="make_agent", local="http://127.0.0.1:9/v1"))
    loaded = load_suite(path)
    scenario = loaded.scenarios[0]
    local = SessionSpec.from_suite(loaded.suite, scenario, trial=0, seed=0, agent_model="openai:llama3.1:8b")
    hosted = SessionSpec.from_suite(loaded.suite, scenario, trial=0, seed=0, agent_model="openai:gpt-4.1-mini")
    assert local.agent_base_url == "http://127.0.0.1:9/v1" and hosted.agent_base_url is None
    model_suite = loaded.suite.model_copy(update={"agent": ModelAgent(kind="model", system_prompt="Help.")})
    as_model = SessionSpec.from_suite(model_suite, scenario, trial=0, seed=0, agent_model="openai:llama3.1:8b")
    assert as_model.agent_base_url is None and as_model.agent.base_url == "http://127.0.0.1:9/v1"
