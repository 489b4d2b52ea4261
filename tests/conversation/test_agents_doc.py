"""docs/agents.md runs as written: every `# file:` block goes into a fresh project, every `# run:` block is run.

Blocks are read from the page itself (not copies), so an example that drifts from what evalkit accepts
fails here. Commands run in subprocesses through the installed `pytest` console script, with no
PYTHONPATH and no keys: `--evalkit-offline` serves every model call from the local fake server.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "agents.md"
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)
BIN = Path(sys.executable).parent


def blocks() -> list[tuple[str, str]]:
    return [(lang, body) for lang, body in BLOCK.findall(DOC.read_text(encoding="utf-8"))]


def files() -> dict[str, str]:
    found = {}
    for _, body in blocks():
        first, _, rest = body.partition("\n")
        if first.startswith("# file: "):
            found[first.removeprefix("# file: ").strip()] = rest
    return found


def runs() -> dict[str, list[str]]:
    found = {}
    for lang, body in blocks():
        first, _, rest = body.partition("\n")
        if lang == "bash" and first.startswith("# run: "):
            found[first.removeprefix("# run: ").strip()] = [line for line in rest.splitlines() if line.strip()]
    return found


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for rel, text in files().items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_the_page_has_a_runnable_example_per_adapter() -> None:
    assert sorted(runs()) == ["callable", "factory", "http", "model"]
    suites = {rel: text for rel, text in files().items() if rel.startswith("suites/") and "suite:" in text}
    kinds = {re.search(r"^agent: (\{kind: (\w+)|\S+)", text, re.M) for text in suites.values()}
    assert len(suites) == 4 and len(kinds) == 4
    assert "pythonpath" not in files()["pyproject.toml"]  # agent modules import from the project root as they are


@pytest.mark.parametrize("name", ["callable", "factory", "model", "http"])
def test_every_example_in_docs_agents_md_runs_and_passes(project: Path, name: str) -> None:
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "EVALKIT_LIVE", "OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL")
    }
    background: list[subprocess.Popen[bytes]] = []
    try:
        for line in runs()[name]:
            words = shlex.split(line.replace("8765", str(port)))
            behind = words[-1] == "&"
            words = [w for w in words if w != "&"]
            extra = dict(w.split("=", 1) for w in words if re.match(r"^[A-Z_]+=", w))
            command = [w for w in words if not re.match(r"^[A-Z_]+=", w)]
            command[0] = sys.executable if command[0] == "python" else str(BIN / command[0])
            if behind:
                background.append(subprocess.Popen(command, cwd=project, env={**env, **extra}))
                _wait_for(port)
                continue
            result = subprocess.run(
                [*command, "-p", "no:cacheprovider", "-q"],
                cwd=project,
                env={**env, **extra},
                capture_output=True,
                text=True,
                timeout=300,
            )
            out = result.stdout + result.stderr
            assert result.returncode == 0, out[-4000:]
            assert re.search(r"\b[1-9]\d* passed", out) and "failed" not in out, out[-4000:]
    finally:
        for process in background:
            process.terminate()
            process.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(port: int, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"the doc's agent service never listened on port {port}")
