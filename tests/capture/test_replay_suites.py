"""The acceptance examples recorded and replayed as a user would, through the pytest console script: each SDK
agent's suite (anthropic and openai) recorded offline with --evalkit-record, then replayed with --evalkit-replay
and no fake server, every endpoint pointed at a server whose request log must stay empty."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from evalkit.testing import FakeLLMServer

ROOT = Path(__file__).resolve().parents[2]
PYTEST = Path(sys.executable).parent / "pytest"


def run(suite: str, reports: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    drop = (
        "PYTHONPATH",
        "EVALKIT_LIVE",
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "OPENAI_BASE_URL",
        "ANTHROPIC_BASE_URL",
    )
    env = {k: v for k, v in os.environ.items() if k not in drop}
    args = [
        str(PYTEST),
        f"suites/{suite}",
        "--evalkit-report-dir",
        str(reports),
        "-p",
        "no:cacheprovider",
        "-q",
        "-rA",
        *extra,
    ]
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def transcripts(reports: Path) -> dict[str, list[tuple[object, ...]]]:
    """Per transcript file: the messages as the checks and the judge read them."""
    out = {}
    for path in sorted(reports.glob("*/transcripts/*.json")):
        data = json.loads(path.read_text())
        out[path.name.split("__", 1)[1]] = [
            (m["role"], m["content"], [(c["name"], c["arguments"]) for c in m.get("tool_calls") or []])
            for m in data["messages"]
        ]
        assert all(c["status"] == 200 for c in data["agent_calls"]), data["agent_calls"]
    return out


@pytest.mark.parametrize("suite", ["airline", "billing"])
def test_an_sdk_agent_suite_recorded_offline_replays_with_no_upstream(suite: str, tmp_path: Path) -> None:
    cassette = tmp_path / f"{suite}.jsonl"
    first = run(
        suite, tmp_path / "recorded", "--evalkit-offline", "--evalkit-record", str(cassette), "--evalkit-no-cache"
    )  # hermetic: the repository's response cache stays out of it
    assert first.returncode == 0, first.stdout + first.stderr
    recorded = transcripts(tmp_path / "recorded")
    assert any(m[2] for t in recorded.values() for m in t)  # the agent's tool calls were captured

    with FakeLLMServer() as nobody:
        urls = [f"--evalkit-base-url={p}={nobody.base_url(p)}" for p in ("openai", "anthropic")]
        second = run(suite, tmp_path / "replayed", "--evalkit-replay", str(cassette), *urls)
        assert nobody.requests == []
    assert second.returncode == 0, second.stdout + second.stderr
    assert "scenarios: 2 pass" in second.stdout
    assert transcripts(tmp_path / "replayed") == recorded
