"""The judge_trust gate and `calibrate check` on a record made by `evalkit calibrate --offline` over a real run.

The judge of the calibration project agrees with every constructed label, on 4 scenarios: under the default
floors (10 scenarios) the record is weak, with `min_clusters: 4` in the suite's gate it is trusted.
"""

from __future__ import annotations

import json
from pathlib import Path

from calib_project import JUDGE, RUBRIC_REF, write_labels
from click.testing import CliRunner, Result

from evalkit.cli import main
from evalkit.report.rundata import open_run
from evalkit.run.trust_inputs import load_calibration
from evalkit.spec.models import GateConfig, JudgeTrustGate
from evalkit.verdicts import RunVerdict, VerdictInputs, decide_run


def evalkit(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def calibrate(project: Path, run_dir: Path) -> None:
    labels, _ = write_labels(project, run_dir, agree=True)
    result = evalkit("calibrate", "--labels", labels, "--rubric", RUBRIC_REF, "--offline", "--root", project)
    assert result.exit_code == 0, result.output


def set_judge_trust(project: Path, **judge_trust: object) -> None:
    path = project / "suites" / "calib.yaml"
    suite = json.loads(path.read_text())
    suite["gate"] = {"judge_trust": judge_trust}
    path.write_text(json.dumps(suite))


def decide(project: Path, run_dir: Path, **judge_trust: object) -> RunVerdict:
    run = open_run(run_dir)
    gate = GateConfig(judge_trust=JudgeTrustGate(**judge_trust))
    inputs = VerdictInputs(gates={"calib": gate}, run_dir=run_dir, calibration=load_calibration(project))
    return decide_run(run.trials, run.results, inputs)


def test_calibrate_check_applies_the_suites_floors_unless_an_option_is_given(project: Path, run_dir: Path) -> None:
    calibrate(project, run_dir)
    assert evalkit("calibrate", "check", "--root", project, "--strict").output.startswith("weak: ")
    set_judge_trust(project, min_clusters=4)
    check = evalkit("calibrate", "check", "--root", project, "--strict")
    assert check.exit_code == 0 and check.output.startswith(f"trusted: {RUBRIC_REF} x {JUDGE}"), check.output
    override = evalkit("calibrate", "check", "--root", project, "--strict", "--min-clusters", "10")
    assert override.exit_code == 1 and "labels from 4 scenarios (< 10)" in override.output
    set_judge_trust(project, min_clusters=4, max_age_days=1)
    aged = evalkit("calibrate", "check", "--root", project, "--max-age-days", "120")
    assert aged.output.startswith("trusted: "), aged.output  # the option wins over the suite


def test_the_gate_reads_the_calibrated_record(project: Path, run_dir: Path) -> None:
    [missing] = decide(project, run_dir, require="fail").gates
    assert missing.outcome == "inconclusive" and [f.state for f in missing.judge_trust] == ["missing"]
    calibrate(project, run_dir)
    [weak] = decide(project, run_dir, require="fail").gates
    assert [f.state for f in weak.judge_trust] == ["weak"] and weak.outcome == "inconclusive"
    check = next(c for c in weak.checks if c.name == "judge_trust")
    assert f"{RUBRIC_REF} x {JUDGE} is WEAK" in check.detail and "labels from 4 scenarios (< 10)" in check.detail
    assert "evalkit calibrate --labels" in check.detail
    [trusted] = decide(project, run_dir, require="fail", min_clusters=4).gates
    [without] = decide(project, run_dir, require="off").gates
    assert [f.state for f in trusted.judge_trust] == ["trusted"]
    assert trusted.outcome == without.outcome != "inconclusive"  # it decides as the data says
