"""`evalkit validate --deep`: the run's preflight without a run, through the console script."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from evalkit.testing import FakeLLMServer

SUITE = """\
suite: deep
agent: AGENT
simulator: {model: "SIM"}
scenarios:
  - id: hello
    goal: say hello
    opening: hi
"""


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/v1"


def _validate(
    tmp_path: Path, url: str, agent: str = "deep_agent:agent", sim: str = "openai:sim", deep: bool = True
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "p"\n\n[tool.evalkit]\nbase_urls = {{openai = "{url}"}}\n'
    )
    (tmp_path / "deep_agent.py").write_text("def agent(messages):\n    return 'hello'\n")
    (tmp_path / "suites").mkdir(exist_ok=True)
    (tmp_path / "suites" / "deep.yaml").write_text(SUITE.replace("AGENT", agent).replace("SIM", sim))
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVALKIT_")}
    command = [str(Path(sys.executable).parent / "evalkit"), "validate", *(["--deep"] if deep else [])]
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_a_sound_project_passes_without_a_model_call(tmp_path: Path, fake_llm: FakeLLMServer) -> None:
    result = _validate(tmp_path, fake_llm.openai_base_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok: " in result.stderr and fake_llm.requests == []


def test_each_problem_is_one_line_and_exit_1(tmp_path: Path, fake_llm: FakeLLMServer) -> None:
    dead = _dead_url()
    shallow = _validate(tmp_path, dead, agent="deep_agnet:agent", sim="antropic:sim", deep=False)
    assert shallow.returncode == 0  # what plain validate cannot see
    result = _validate(tmp_path, dead, agent="deep_agnet:agent", sim="antropic:sim")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "suites/deep.yaml:3:20: simulator.model: simulator model name 'antropic:sim': unknown provider 'antropic'; "
        "expected one of openai, anthropic, mock; did you mean 'anthropic'?",
        "suites/deep.yaml:2:8: agent: cannot import module 'deep_agnet' for 'deep_agnet:agent': ModuleNotFoundError: "
        "No module named 'deep_agnet' (expected an importable module:attr)",
        f"base_urls.openai: base URL {dead} does not answer (Connection refused connecting to "
        f"127.0.0.1:{dead.rsplit(':', 1)[1].split('/')[0]} within 3 s)",
    ]
    assert "preflight: 3 problem(s)" in result.stderr and "Traceback" not in result.stderr
    assert fake_llm.requests == []
