"""`--evalkit-replay` spends nothing, also for an SDK agent that reads its endpoint from the environment.

Such an agent cannot be captured, so its calls are never in a cassette; before the guard it called its
endpoint (the fake server here stands for the paid API) with the key it found, in a run the docs say costs
nothing. Now its call is refused locally with the reason, the item does not pass, and neither the endpoint
nor the key was reached.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from plugin_helpers import Project

from evalkit.plugin.replay_guard import ReplayGuard, guarded
from evalkit.run import RunConfig
from evalkit.testing import FakeLLMServer

CANARY = "sk-canary-user-key-0123456789"

ENV_AGENT = """
import openai


class EnvAgent:
    def __init__(self) -> None:
        self.client = openai.AsyncOpenAI(max_retries=0)  # endpoint and key from OPENAI_BASE_URL / OPENAI_API_KEY

    async def respond(self, messages):
        reply = await self.client.chat.completions.create(model="gpt-4.1-mini", messages=messages)
        return reply.choices[0].message.content


def make_agent():  # no base_url parameter: evalkit cannot capture it
    return EnvAgent()
"""

SUITE = """
suite: envy
agent: {kind: factory, target: "env_agent:make_agent"}
trials: 1
scenarios:
  - id: hello
    goal: say hello
    turns: [{user: "hello"}]
    checks: [{contains: "paid answer"}]
"""


def env_project(project: Project, server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The agent's endpoint and key come from the environment, as a user's shell would give them."""
    project.write("env_agent.py", ENV_AGENT)
    project.suite(SUITE, "suites/envy.yaml")
    server.add_rule(text="a paid answer")
    monkeypatch.setenv("OPENAI_BASE_URL", server.openai_base_url)
    monkeypatch.setenv("OPENAI_API_KEY", CANARY)
    cassette = project.path / "empty.jsonl"
    cassette.write_text("")
    return cassette


def test_a_replay_refuses_an_agent_that_reads_its_endpoint_from_the_environment(
    project: Project, fake_llm: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    cassette = env_project(project, fake_llm, monkeypatch)
    result = project.pytester.runpytest_subprocess(
        "suites", "--evalkit-replay", str(cassette), "-p", "no:cacheprovider"
    )
    assert fake_llm.requests == []  # the paid endpoint was never reached
    assert result.ret == 1 and "passed" not in result.parseoutcomes()
    [trial] = project.trials()
    assert trial["outcome"] == "invalid" and trial["termination"] == "infrastructure_error", trial
    assert "reached evalkit through OPENAI_BASE_URL" in trial["invalid_reason"]  # why, in the row the report reads
    transcript = json.loads(next(project.run_dirs()[-1].glob("transcripts/*.json")).read_text())
    assert "reached evalkit through OPENAI_BASE_URL" in json.dumps(transcript)
    written = "".join(p.read_text(errors="replace") for p in (project.path / "reports").rglob("*") if p.is_file())
    assert CANARY not in written + result.stdout.str() + result.stderr.str()

    live = project.pytester.runpytest_subprocess("suites", "--evalkit-live", "-p", "no:cacheprovider")
    live.assert_outcomes(
        passed=2
    )  # the same agent, allowed to spend, reaches its endpoint: the guard made the difference
    assert len(fake_llm.requests) == 1


def test_under_xdist_each_worker_refuses_it_too(
    project: Project, fake_llm: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    cassette = env_project(project, fake_llm, monkeypatch)
    result = project.pytester.runpytest_subprocess(
        "suites", "-n", "2", "--evalkit-replay", str(cassette), "-p", "no:cacheprovider"
    )
    assert fake_llm.requests == [] and result.ret == 1
    [trial] = project.trials()
    assert trial["outcome"] == "invalid" and "through OPENAI_BASE_URL" in trial["invalid_reason"]


def test_the_guard_pins_evalkits_own_endpoints_and_restores_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    monkeypatch.setenv("ANTHROPIC_API_KEY", CANARY)
    config = RunConfig(replay_path=Path("cassette.jsonl"), base_urls={"anthropic": "http://127.0.0.1:8/"})
    with guarded(config, live=False) as run_config:
        assert run_config.base_urls["openai"] == "http://127.0.0.1:9/v1"  # what evalkit resolved before the guard
        assert run_config.base_urls["anthropic"] == "http://127.0.0.1:8/"  # configured wins
        assert os.environ["OPENAI_BASE_URL"].endswith("/env/OPENAI_BASE_URL")
        assert os.environ["ANTHROPIC_API_KEY"] != CANARY
    assert os.environ["OPENAI_BASE_URL"] == "http://127.0.0.1:9/v1" and "ANTHROPIC_BASE_URL" not in os.environ
    assert os.environ["ANTHROPIC_API_KEY"] == CANARY
    for live, offline in ((True, False), (False, True)):
        with guarded(config.model_copy(update={"offline": offline}), live=live) as unchanged:
            assert os.environ["OPENAI_BASE_URL"] == "http://127.0.0.1:9/v1" and unchanged.base_urls == config.base_urls


@pytest.mark.asyncio
async def test_both_sdks_read_the_refusal_and_do_not_retry() -> None:
    import anthropic
    import openai

    guard = ReplayGuard({})
    try:
        with pytest.raises(openai.PermissionDeniedError, match="through OPENAI_BASE_URL"):
            await openai.AsyncOpenAI().chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
        with pytest.raises(anthropic.PermissionDeniedError, match="through ANTHROPIC_BASE_URL"):
            await anthropic.AsyncAnthropic().messages.create(
                model="m", max_tokens=8, messages=[{"role": "user", "content": "x"}]
            )
        assert guard.refused == 2  # one each: a 403 is final for both SDKs
    finally:
        guard.close()


def test_the_refusing_endpoint_answers_any_path(monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx2

    guard = ReplayGuard({})
    try:
        url = os.environ["OPENAI_BASE_URL"]
        answer = httpx2.get(f"{url}/models")
        assert answer.status_code == 403 and "nothing was sent" in answer.json()["error"]["message"]
    finally:
        guard.close()
    with pytest.raises(httpx2.HTTPError):
        httpx2.get(f"{url}/models", timeout=2)  # closed with the run: nothing listens after it


def test_an_agent_given_a_base_url_is_not_touched(fake_llm: FakeLLMServer) -> None:
    """The guard only changes variables: an SDK client constructed with an explicit base_url keeps it."""
    import openai

    fake_llm.add_rule(text="direct")
    guard = ReplayGuard({})
    try:
        client = openai.OpenAI(base_url=fake_llm.openai_base_url, api_key="k", max_retries=0)
        reply = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
        assert reply.choices[0].message.content == "direct" and guard.refused == 0
    finally:
        guard.close()
