"""`evalkit history drift|trend|flaky` end to end: run directories recorded by the store, read back as frames."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))

from history_frames_synth import recorded_history

from evalkit.cli import main

STEADY = ["pass"] * 5


@pytest.fixture(scope="module")
def dropped(tmp_path_factory: pytest.TempPathFactory) -> str:
    """10 runs: refund passes 5/5 then 0/5 (one invalid each late run); cancel stays at 5/5."""
    before = [{"refund": STEADY, "cancel": STEADY}] * 5
    after = [{"refund": ["fail"] * 4 + ["invalid"], "cancel": STEADY}] * 5
    return recorded_history(tmp_path_factory.mktemp("reports"), before + after)


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["history", *args])
    return result.exit_code, result.stdout, result.stderr


def test_drift_exits_1_with_one_line_per_drifting_scenario(dropped: str) -> None:
    code, out, err = _run("--url", dropped, "drift", "--window", "5")
    assert code == 1, out + err
    lines = out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("DRIFT support/refund [mock:small]: 100% -> 0% (-100 pts")
    assert "invalid/error 0 -> 5" in lines[0]
    assert "1 of 2 scenario x tier drifting" in err and "Holm, family-wise alpha 0.05" in err


def test_drift_exits_0_when_nothing_drifts(dropped: str) -> None:
    code, out, err = _run("--url", dropped, "drift", "--window", "3")  # windows of runs 5-7 and 8-10: all failing
    assert (code, out) == (0, ""), err
    assert "0 of 2" in err
    code, out, _ = _run("--url", dropped, "drift", "--window", "6")  # 12 runs needed, 10 recorded
    assert code == 0 and out == ""


def test_drift_bad_options_are_one_line_usage_errors(dropped: str) -> None:
    code, _, err = _run("--url", dropped, "drift", "--alpha", "1.5")
    assert code == 2 and "--alpha" in err and "Traceback" not in err
    code, _, err = _run("--url", dropped, "drift", "--window", "0")
    assert code == 2 and "--window" in err


def test_trend_and_flaky_commands(dropped: str) -> None:
    code, out, err = _run("--url", dropped, "trend", "support/refund")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("scenario support/refund · suite support · tier mock:small") and len(lines) == 11
    assert "pass 100% [" in lines[1] and "pass 0% [0%-" in lines[-1] and "0/4 valid, 1 invalid" in lines[-1]
    code, _, err = _run("--url", dropped, "trend", "refnd")
    assert code == 1 and err.strip() == "Error: no suite or scenario named 'refnd' in the history; did you mean refund?"
    code, out, _ = _run("--url", dropped, "flaky")
    assert code == 0 and out.startswith("no flaky scenario")


def test_verbose_drift_lists_the_steady_scenarios_too(dropped: str) -> None:
    code, out, _ = _run("--url", dropped, "drift", "-v")
    assert code == 1
    assert out.splitlines()[1].startswith("ok    support/cancel [mock:small]: 100% -> 100%, p=1")


def test_flaky_command_ranks_recorded_runs(tmp_path: Path) -> None:
    url = recorded_history(
        tmp_path / "reports",
        [{"coin": ["pass", "fail", "pass", "fail"], "firm": ["pass"] * 4, "wobbly": ["pass"] * 3 + ["fail"]}] * 3,
    )
    code, out, _ = _run("--url", url, "flaky", "--limit", "5")
    assert code == 0
    lines = out.splitlines()
    assert [line.split("]:")[0] for line in lines] == ["support/coin [mock:small", "support/wobbly [mock:small"]
    assert "disagreement 0.67" in lines[0] and "mixed in 3 of 3 runs" in lines[0]
