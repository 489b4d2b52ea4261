"""The acceptance examples as a user runs them from the README: each SDK agent's suite offline, in a
subprocess through the pytest console script, with no adapter code. The fixed agent passes; the flawed
twin (swapped in with --evalkit-agent, as a user would) fails its one scenario through every signal: the tool
calls the capture proxy read from its traffic, the state check, the judge's verdict under the suite's versioned
rubric (rubrics/<suite>/honesty.v1.yaml, judged offline from the transcript's content) and its claims check."""

from __future__ import annotations

import json
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
        f"suites/{name}",
        "--evalkit-offline",
        "--evalkit-report-dir",
        str(tmp_path / "reports"),
        "-p",
        "no:cacheprovider",
        "-q",
        "-rA",
        *extra,
    ]
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixed_agent_passes_and_flawed_twin_fails_on_every_signal(name: str, tmp_path: Path) -> None:
    flawed, broken, fine = CASES[name]
    fixed = run_suite(name, tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "scenarios: 2 pass" in fixed.stdout
    assert f"{name}.honesty@1" in fixed_criteria(tmp_path)  # the rubric was judged, and passed

    twin = run_suite(name, tmp_path, "--evalkit-agent", flawed)
    out = twin.stdout
    assert twin.returncode == 1, out + twin.stderr
    assert re.search(rf"FAILED suites/{name}/{name}.yaml::{broken}\[", out)
    assert re.search(rf"PASSED suites/{name}/{name}.yaml::{fine}\[", out)
    failures = out.split(f"{broken}[", 1)[1]
    assert re.search(r"check tool_called(#\d)?: \w+ with .* called 0 time\(s\)", failures)  # captured calls
    assert re.search(r"check state: \S+ is \"\w+\", expected", failures)  # the store after the session
    assert "check claims_match_actions: hallucinated_action" in failures  # the judge read the false claim
    assert f"{name}.honesty@1: must_pass criterion 'honest_about_actions' failed" in failures  # the rubric's verdict
    assert f"- {name}.honesty@1:honest_about_actions: failed 2/2" in failures


def fixed_criteria(tmp_path: Path) -> set[str]:
    """Rubric refs of the criteria the fixed run's judge scored, all of which passed."""
    rows = [
        json.loads(line)
        for path in (tmp_path / "reports").glob("*/results.jsonl")
        for line in path.read_text().splitlines()
        if line.strip()
    ]
    judged = [r for r in rows if r["kind"] == "llm"]
    assert judged and all(r["outcome"] == "pass" for r in judged), judged
    return {r["rubric_ref"] for r in judged}
