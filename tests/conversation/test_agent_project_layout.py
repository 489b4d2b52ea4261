"""A project as a pytest user lays it out: agent modules beside pyproject.toml, no `pythonpath` setting.

Run through the `pytest` console script in a subprocess (so neither this process's sys.path nor
`python -m`'s cwd entry can help), from a subfolder, with no PYTHONPATH.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

AGENT = """
def make(model=None, greeting="hello"):
    return lambda messages: f"{greeting}: you said {messages[-1]['content']}"


def make_loud(model=None, greeting="hello"):
    return lambda messages: f"{greeting} LOUD"


make.evalkit_factory = make_loud.evalkit_factory = True
"""

SUITE = """\
suite: greet
agent: {kind: factory, target: "agents.greeter:make", params: {greeting: ahoy}}
trials: 1
scenarios:
  - id: hi
    goal: be greeted
    turns: [{user: "hi"}]
    checks: [{contains: "ahoy"}]
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "agents").mkdir(parents=True)
    (root / "suites").mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'greeter'\nversion = '0'\n")
    (root / "agents" / "greeter.py").write_text(AGENT)
    (root / "suites" / "greet.yaml").write_text(SUITE)
    return root


def _pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "EVALKIT_LIVE")}
    script = Path(sys.executable).parent / "pytest"
    return subprocess.run(
        [str(script), "greet.yaml", "-q", "-p", "no:cacheprovider", *args],
        cwd=project / "suites",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _transcripts(project: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in (project / "reports").rglob("*.json*") if p.is_file())


def test_agent_modules_import_from_the_project_root_without_pythonpath(project: Path) -> None:
    result = _pytest(project)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "ModuleNotFoundError" not in result.stdout
    assert "ahoy: you said hi" in _transcripts(project)


def test_evalkit_agent_swaps_the_target_and_keeps_the_suites_params(project: Path) -> None:
    result = _pytest(project, "--evalkit-agent", "agents.greeter:make_loud")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "ahoy LOUD" in _transcripts(project)  # make_loud ran, with greeting=ahoy from the suite
