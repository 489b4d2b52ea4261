"""A lighter session start (issue #17 part 2): agents built off the event loop, shared when they say so,
provider SDKs imported only when used, and report.html still written whole.

Timing is bench/session_start.py's job; these tests pin the behaviour that makes it fast.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from fake_project import rules, write_project

from evalkit.conversation.agents.base import AgentSetupError
from evalkit.conversation.agents.callable import build_callable_agent
from evalkit.conversation.agents.construct import BUILD_SLOTS
from evalkit.plugin.reports import warm_up, write_reports
from evalkit.report.drilldown import anchor_for
from evalkit.run import RunConfig, load_run, plan_run, run_in_thread
from evalkit.spec import load_suite
from evalkit.testing import FakeLLMServer
from evalkit.verdicts import TrialRecord

AGENT_MODULE = """
import threading, time

IMPORTED_ON = threading.get_ident()
calls = []          # (thread id, kwargs) of every factory call
closed = []
active = 0
peak = 0
lock = threading.Lock()


class Agent:
    def __init__(self, tag):
        self.tag = tag

    def respond(self, messages):
        return "ok"

    def close(self):
        closed.append(self.tag)


def make_agent(model=None, tag="a"):
    global active, peak
    with lock:
        active += 1
        peak = max(peak, active)
        calls.append((threading.get_ident(), model, tag))
    time.sleep(0.02)  # long enough for concurrent builds to overlap
    with lock:
        active -= 1
    return Agent(tag)


def make_shared(model=None, tag="a"):
    return make_agent(model, tag)


make_shared.evalkit_shared = True
make_agent.evalkit_factory = make_shared.evalkit_factory = True


def make_failing_shared(model=None):
    calls.append((threading.get_ident(), model, "failing"))
    if len([c for c in calls if c[2] == "failing"]) == 1:
        raise RuntimeError("first build fails")
    return Agent("failing")


make_failing_shared.evalkit_shared = make_failing_shared.evalkit_factory = True
"""


@pytest.fixture
def agent_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A fresh user module per test (its own counters), importable as `startagent_<n>`."""
    name = f"startagent_{abs(hash(tmp_path)) % 10**8}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(AGENT_MODULE))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    sys.modules.pop(name, None)


def test_import_and_factory_run_off_the_event_loop_thread(agent_module: str) -> None:
    async def build() -> int:
        await build_callable_agent(f"{agent_module}:make_agent", model="m", params={})
        return threading.get_ident()

    loop_thread = asyncio.run(build())
    module = sys.modules[agent_module]
    assert loop_thread != module.IMPORTED_ON  # the user's module (its SDK) was imported in a worker thread
    [(factory_thread, model, _)] = module.calls
    assert factory_thread != loop_thread and model == "m"


def test_builds_are_bounded_and_each_session_gets_its_own_agent(agent_module: str) -> None:
    async def build_many() -> list[object]:
        return await asyncio.gather(
            *(build_callable_agent(f"{agent_module}:make_agent", model=None, params={}) for _ in range(3 * BUILD_SLOTS))
        )

    agents = asyncio.run(build_many())
    module = sys.modules[agent_module]
    assert len(module.calls) == 3 * BUILD_SLOTS and len({id(a._target) for a in agents}) == 3 * BUILD_SLOTS
    assert 1 < module.peak <= BUILD_SLOTS  # overlapping, but never more than the slots at once


def test_a_shared_factory_is_called_once_per_arguments_and_closed_when_the_run_loop_ends(agent_module: str) -> None:
    target = f"{agent_module}:make_shared"
    module = sys.modules.get(agent_module)

    async def sessions() -> None:
        first = await asyncio.gather(*(build_callable_agent(target, model="m", params={}) for _ in range(8)))
        other = await build_callable_agent(target, model="m", params={"tag": "b"})
        assert len({id(a) for a in first}) == 1 and other is not first[0]
        for agent in [*first, other]:
            await agent.aclose()  # a session's end
        assert not sys.modules[agent_module].closed  # ...does not close a shared agent

    asyncio.run(sessions())
    module = sys.modules[agent_module]
    assert sorted(tag for _, _, tag in module.calls) == ["a", "b"]
    assert sorted(module.closed) == ["a", "b"]  # closed once each, as the loop's run ended


def test_a_failed_shared_build_is_retried_by_the_next_session(agent_module: str) -> None:
    target = f"{agent_module}:make_failing_shared"

    async def sessions() -> object:
        with pytest.raises(RuntimeError, match="first build fails"):
            await build_callable_agent(target, model=None, params={})
        return await build_callable_agent(target, model=None, params={})

    assert asyncio.run(sessions()) is not None


def test_a_factory_that_exits_in_its_thread_is_still_a_setup_error(agent_module: str, tmp_path: Path) -> None:
    (tmp_path / f"{agent_module}_exit.py").write_text(
        "import sys\ndef make_agent(model=None):\n    sys.exit(3)\nmake_agent.evalkit_factory = True\n"
    )

    async def build() -> None:
        await build_callable_agent(f"{agent_module}_exit:make_agent", model=None, params={})

    with pytest.raises(AgentSetupError, match=r"called sys.exit\(3\)"):
        asyncio.run(build())
    sys.modules.pop(f"{agent_module}_exit", None)


def test_sdk_agent_shared_over_http_and_the_report_is_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The example's AsyncAnthropic agent, shared, against FakeLLMServer; report.html after a warm-up names every trial."""
    with FakeLLMServer(rules(turns=2)) as server:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.anthropic_base_url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-local")
        path = write_project(tmp_path, scenarios=3, trials=2)
        suite = json.loads(path.read_text())
        suite["agent"] = {"kind": "callable", "target": "examples.sdk_agents.anthropic_agent:make_shared_agent"}
        path.write_text(json.dumps(suite))
        config = RunConfig(
            report_dir=tmp_path / "reports", fsync_interval_s=0, base_urls={"openai": server.openai_base_url}
        )
        warmer = warm_up()
        summary = run_in_thread(plan_run([load_suite(path, root=tmp_path)], config), config).wait(60)
        agent_calls = server.requests_for("agent", path="/v1/messages")
    warmer.join(30)
    report, error = write_reports(summary.run_dir)
    run = load_run(summary.run_dir)
    assert error is None and summary.status == "complete"
    assert [t["outcome"] for t in run.trials] == ["pass"] * 6
    assert len(agent_calls) == 6 * 3  # per session: tool call, answer after the tool result, second answer
    html = report.read_text()
    for trial in run.trials:  # every trial's drill-down, with the agent's own answer in it
        assert f'id="{anchor_for(TrialRecord.model_validate(trial))}"' in html, trial["scenario_id"]
    assert html.count("Your order has shipped.") >= 6


def test_the_plugin_imports_no_provider_sdk_until_a_model_is_used() -> None:
    code = (
        "import sys, evalkit.pytest_plugin, evalkit.run, evalkit.conversation, evalkit.plugin.controller\n"
        "print(sorted(m for m in ('anthropic', 'openai') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_run_started_while_its_agent_module_is_being_imported_does_not_deadlock(tmp_path: Path) -> None:
    """The module builds its own agent during its import (as a test module doing work at collection may)."""
    (tmp_path / "selfbuild.py").write_text(
        textwrap.dedent("""
        import asyncio
        from evalkit.conversation.agents.callable import build_callable_agent

        def make_agent(model=None):
            return lambda messages: "ok"

        agent = asyncio.run(build_callable_agent("selfbuild:make_agent", model=None, params={}))
        print("built", type(agent).__name__)
    """)
    )
    out = subprocess.run(
        [sys.executable, "-c", "import selfbuild"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**__import__("os").environ, "PYTHONPATH": str(tmp_path)},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "built CallableAgentAdapter"
