"""The worked example of docs/extending.md "Add an agent adapter": a `cli` agent kind in one module (agent_cli/).

The module is installed as pip would install a package declaring

    [project.entry-points."evalkit.agents"]
    cli = "evalkit_cli_agent"

(a *.dist-info with entry_points.txt on PYTHONPATH), and only in subprocesses, so this session's agent
registry stays evalkit's own.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
EVALKIT = Path(sys.executable).with_name("evalkit")
MODULE = HERE / "agent_cli" / "evalkit_cli_agent.py"
PROGRAM = """
import json, sys

conversation = json.load(sys.stdin)
last = conversation["messages"][-1]["content"]
print("crash on purpose" if last == "crash" else f"echo: {last}")
sys.exit(3 if last == "crash" else 0)
"""
SUITE = """
suite: cli-demo
agent: {{kind: cli, command: [{python}, reply.py]}}
trials: 2
scenarios:
  - id: echo
    goal: hear the message back
    turns: [{{user: "ping"}}]
    checks:
      - contains: "echo: ping"
  - id: crash
    goal: see the program fail
    turns: [{{user: "crash"}}]
"""


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def installed(tmp_path: Path) -> dict[str, str]:
    """An environment in which the cli-agent package is installed (its dist-info and its one module)."""
    dist = tmp_path / "site" / "evalkit_cli_agent-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: evalkit-cli-agent\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[evalkit.agents]\ncli = evalkit_cli_agent\n")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(dist.parent), str(MODULE.parent), str(ROOT)])}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "project"
    (path / "suites").mkdir(parents=True)
    (path / "pyproject.toml").write_text('[tool.pytest.ini_options]\npythonpath = ["."]\n')
    (path / "reply.py").write_text(textwrap.dedent(PROGRAM))
    (path / "suites" / "cli.yaml").write_text(textwrap.dedent(SUITE.format(python=json.dumps(sys.executable))))
    return path


def _section() -> str:
    text = (ROOT / "docs" / "extending.md").read_text()
    start = text.index("## Add an agent adapter")
    return text[start : text.index("\n## ", start + 1)]


def test_the_docs_show_the_module_byte_for_byte() -> None:
    blocks = re.findall(r"```python\n(.*?)```", _section(), re.DOTALL)
    assert MODULE.read_text() in blocks


def test_the_docs_suite_and_entry_point_are_the_ones_the_tests_use() -> None:
    section = _section()
    assert '[project.entry-points."evalkit.agents"]\ncli = "evalkit_cli_agent"' in section
    assert "agent: {kind: cli, command: [python3, reply.py]}" in section


def test_a_suite_using_the_kind_runs_and_a_failing_program_is_an_agent_error(
    installed: dict[str, str], project: Path
) -> None:
    out = _run([str(EVALKIT), "run", "suites", "--offline", "-p", "no:cacheprovider"], project, installed)
    assert "Traceback" not in out.stdout + out.stderr, out.stdout[-3000:] + out.stderr[-2000:]
    [trials_file] = [p for p in (project / "reports").glob("*/trials.jsonl") if p.parent.name != "latest"]
    trials = {(r["scenario_id"], r["trial"]): r for r in map(json.loads, trials_file.read_text().splitlines())}
    assert {k: r["outcome"] for k, r in trials.items()} == {
        ("echo", 0): "pass",
        ("echo", 1): "pass",
        ("crash", 0): "error",
        ("crash", 1): "error",
    }, out.stdout[-3000:]
    [transcript] = (trials_file.parent / "transcripts").glob("*echo*t0*.json")
    said = [m["content"] for m in json.loads(transcript.read_text())["messages"] if m["role"] == "assistant"]
    assert said[0] == "echo: ping"  # the program's stdout, through the registered adapter
    assert "reply.py exited with 3" in out.stdout or "exited with 3" in json.dumps(trials[("crash", 0)])


def test_a_key_the_kind_does_not_know_is_a_setup_error_naming_it(installed: dict[str, str], project: Path) -> None:
    suite = project / "suites" / "cli.yaml"
    suite.write_text(suite.read_text().replace("command:", "comand:"))
    out = _run([str(EVALKIT), "run", "suites", "--offline", "-p", "no:cacheprovider"], project, installed)
    assert "agent kind 'cli': agent.command: Field required" in out.stdout, out.stdout[-3000:]
    assert "Traceback" not in out.stdout + out.stderr


def test_validate_names_a_mistyped_kind_with_file_line_and_the_installed_kinds(
    installed: dict[str, str], project: Path
) -> None:
    ok = _run([str(EVALKIT), "validate", "suites"], project, installed)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    suite = project / "suites" / "cli.yaml"
    suite.write_text(suite.read_text().replace("kind: cli", "kind: clii"))
    typo = _run([str(EVALKIT), "validate", "suites"], project, installed)
    assert typo.returncode == 1
    assert typo.stdout.strip() == (
        "suites/cli.yaml:3:15: agent.kind: unknown agent kind 'clii' (did you mean 'cli'? "
        "expected one of: callable, factory, model, http, cli)"
    )


def test_without_the_package_the_kind_is_unknown(project: Path) -> None:
    out = _run([str(EVALKIT), "validate", "suites"], project, {**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 1
    assert "agent.kind: unknown agent kind 'cli'" in out.stdout
