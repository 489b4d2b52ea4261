"""The acceptance examples as a user runs them from the README: each SDK agent's suite offline, in a
subprocess through the pytest console script, with no adapter code. The fixed agent passes; the flawed
twin (swapped in with --evalkit-agent, as a user would) fails its one scenario through all three signals:
the tool calls the capture proxy read from its traffic, the state check and the judge's claims check."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTEST = Path(sys.executable).parent / "pytest"
CASES = {  # suite -> (flawed factory, the scenario its flaw fails, the scenario it still passes)
    "airline": ("examples.airline_agent:make_flawed_agent", "cancel-and-refund", "change-flight"),
    "billing": ("examples.billing_agent:make_flawed_agent", "cancel-subscription", "pause-subscription"),
}


def run_suite(name: str, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    drop = ("PYTHONPATH", "EVALKIT_LIVE", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL",
            "ANTHROPIC_BASE_URL")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    args = [str(PYTEST), f"suites/{name}", "--evalkit-offline", "--evalkit-report-dir", str(tmp_path / "reports"),
            "-p", "no:cacheprovider", "-q", "-rA", *extra]
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixed_agent_passes_and_flawed_twin_fails_on_every_signal(name: str, tmp_path: Path) -> None:
    flawed, broken, fine = CASES[name]
    fixed = run_suite(name, tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "scenarios: 2 pass" in fixed.stdout

    twin = run_suite(name, tmp_path, "--evalkit-agent", flawed)
    out = twin.stdout
    assert twin.returncode == 1, out + twin.stderr
    assert re.search(rf"FAILED suites/{name}/{name}.yaml::{broken}\[", out)
    assert re.search(rf"PASSED suites/{name}/{name}.yaml::{fine}\[", out)
    failures = out.split(f"{broken}[", 1)[1]
    assert re.search(r"check tool_called(#\d)?: \w+ with .* called 0 time\(s\)", failures)  # captured calls
    assert re.search(r"check state: \S+ is \"\w+\", expected", failures)  # the store after the session
    assert "check claims_match_actions: hallucinated_action" in failures  # the judge read the false claim


def test_evalkit_never_imports_the_example_agents() -> None:
    for path in (ROOT / "evalkit").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "airline_agent" not in text and "billing_agent" not in text, path
