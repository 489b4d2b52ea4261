"""Item 10: an agent that exits or raises while it is imported or built is an `error`, never a crashed run.

`sys.exit()` at import used to escape the plugin's preload as SystemExit: pytest printed INTERNALERROR,
ran nothing and left no run directory. Each broken module below is a scenario of its own next to a
healthy one; under plain pytest, `pytest -n 2` and `evalkit run` (real subprocesses) the run finishes,
the broken scenarios are errors carrying the module's own message and the healthy one still passes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from evalkit.conversation.agents import AgentSetupError, load_target

BROKEN = {  # module -> (source, termination reason, words its message must carry)
    "exits_at_import": (
        "import sys\nsys.exit('no config: EXIT_AT_IMPORT')\ndef agent(messages):\n    return 'x'\n",
        "setup_error",
        "EXIT_AT_IMPORT",
    ),
    "exits_zero_at_import": (
        "import sys\nsys.exit(0)\ndef agent(messages):\n    return 'x'\n",
        "setup_error",
        "sys.exit(0)",
    ),
    "raises_at_import": ("raise RuntimeError('broken import: RAISE_AT_IMPORT')\n", "setup_error", "RAISE_AT_IMPORT"),
    "exits_in_factory": (
        "import sys\ndef make_agent(model=None):\n    sys.exit('factory gave up: EXIT_IN_FACTORY')\n",
        "setup_error",
        "EXIT_IN_FACTORY",
    ),
    "raises_in_factory": (
        "def make_agent(model=None):\n    raise ValueError('factory broken: RAISE_IN_FACTORY')\n",
        "setup_error",
        "RAISE_IN_FACTORY",
    ),
    "exits_in_turn": (
        "import sys\ndef agent(messages):\n    sys.exit('mid-turn: EXIT_IN_TURN')\n",
        "agent_error",
        "EXIT_IN_TURN",
    ),
}
GOOD = "def agent(messages):\n    return 'Done: your order is refunded.'\n"
SUITE = """\
suite: {name}
agent: {target}
trials: 2
scenarios:
  - id: refund
    goal: get a refund
    turns: [{{user: "refund please"}}]
    checks: [{{contains: "refunded"}}]
"""


def _target(module: str) -> str:
    return f"{module}:make_agent" if "factory" in module else f"{module}:agent"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("guard")
    (root / "pyproject.toml").write_text('[tool.pytest.ini_options]\npythonpath = ["."]\n')
    (root / "suites").mkdir()
    for module, (source, _, _) in BROKEN.items():
        (root / f"{module}.py").write_text(source)
        (root / "suites" / f"{module}.yaml").write_text(SUITE.format(name=module, target=_target(module)))
    (root / "good_agent.py").write_text(GOOD)
    (root / "suites" / "good.yaml").write_text(SUITE.format(name="good", target="good_agent:agent"))
    return root


RUNNERS = {
    "pytest": [sys.executable, "-m", "pytest", "suites", "-p", "no:cacheprovider"],
    "pytest -n 2": [sys.executable, "-m", "pytest", "suites", "-p", "no:cacheprovider", "-n", "2"],
    "evalkit run": [str(Path(sys.executable).parent / "evalkit"), "run", "suites"],
}


@pytest.mark.parametrize("runner", list(RUNNERS))
def test_broken_agents_are_errors_and_the_run_goes_on(project: Path, runner: str, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(project), os.environ.get("PYTHONPATH")]))}
    env.pop("PYTEST_XDIST_WORKER", None)
    env["EVALKIT_PREFLIGHT"] = (
        "false"  # the preflight would stop the run first (tests/preflight); this is the run's guard
    )
    where = "--report-dir" if runner == "evalkit run" else "--evalkit-report-dir"
    done = subprocess.run(
        [*RUNNERS[runner], where, str(reports)], cwd=project, env=env, capture_output=True, text=True, timeout=180
    )
    out = done.stdout + done.stderr
    assert "INTERNALERROR" not in out and "Traceback" not in done.stderr, out[-3000:]
    assert done.returncode == 1, out[-3000:]  # a failed gate, not an internal error (3) or a clean exit
    runs = [p for p in reports.iterdir() if p.is_dir() and not p.is_symlink()]
    assert len(runs) == 1, out[-3000:]
    trials = [json.loads(line) for line in (runs[0] / "trials.jsonl").read_text().splitlines()]
    by_suite: dict[str, list[dict]] = {}
    for trial in trials:
        by_suite.setdefault(trial["suite"], []).append(trial)
    assert sorted(by_suite) == sorted([*BROKEN, "good"])
    assert [t["outcome"] for t in by_suite["good"]] == ["pass", "pass"]
    for module, (_, reason, words) in BROKEN.items():
        for trial in by_suite[module]:
            assert (trial["outcome"], trial["termination"]) == ("error", reason), (module, trial)
            assert words in trial["termination_detail"], (module, trial["termination_detail"])


def test_keyboard_interrupt_at_import_is_not_swallowed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while an agent module imports must still stop the run."""
    (tmp_path / "ctrl_c_agent.py").write_text("raise KeyboardInterrupt\n")
    (tmp_path / "exit_agent.py").write_text("import sys\nsys.exit('bye: EXIT')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(KeyboardInterrupt):
        load_target("ctrl_c_agent:agent")
    with pytest.raises(AgentSetupError, match=r"exit_agent.*called sys.exit\('bye: EXIT'\)"):
        load_target("exit_agent:agent")


def test_the_plugin_preload_survives_sys_exit_in_a_child() -> None:
    """The spot that crashed: preload imports agent modules in pytest's main thread."""
    code = textwrap.dedent(
        """
        import sys, types
        from evalkit.plugin.preload import preload
        sys.modules.pop("boom_agent", None)
        import importlib.abc
        class Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
            def find_spec(self, name, path, target=None):
                import importlib.util
                return importlib.util.spec_from_loader(name, self) if name == "boom_agent" else None
            def create_module(self, spec):
                return None
            def exec_module(self, module):
                sys.exit("boom")
        sys.meta_path.insert(0, Finder())
        suite = types.SimpleNamespace(suite=types.SimpleNamespace(agent_config=types.SimpleNamespace(target="boom_agent:agent")))
        preload([suite])
        print("survived")
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "survived", done.stderr


def test_a_tool_or_close_that_exits_is_the_agents_failure_not_the_runs() -> None:
    """Tools and close() are agent code too: sys.exit() there must not end the run either."""
    import asyncio

    from evalkit.conversation.agents import CallableAgentAdapter, PythonTool
    from evalkit.conversation.agents.base import AgentExit
    from evalkit.llm.types import ToolCall

    def lookup(order_id: str) -> str:
        """Look an order up."""
        sys.exit(f"tool gave up on {order_id}")

    result = asyncio.run(PythonTool(lookup).run(ToolCall(id="c1", name="lookup", arguments={"order_id": "1234"})))
    assert result.error == "called sys.exit('tool gave up on 1234')" and result.output is None

    class Closing:
        def respond(self, messages: list) -> str:
            return "hi"

        def close(self) -> None:
            sys.exit("close: bye")

    with pytest.raises(AgentExit, match="close: bye"):
        asyncio.run(CallableAgentAdapter(Closing(), name="closing").aclose())
