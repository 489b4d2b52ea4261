"""End to end: the offline demo suite with `judge_trust: {require: fail}`, then `corrected` through the report.

No record: every gate is INCONCLUSIVE, pytest exits non-zero and says which rubric x judge lacks one and how to
make it. With a record that matches the instrument the run used and clears the floors, the gate decides as the
data says. rogan_gladen and ppi are then decided from the run directory (as `evalkit report` does).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from evalkit.report.gates import run_verdict
from evalkit.report.rundata import open_run
from evalkit.run.recorded_inputs import gate_from_file
from evalkit.stats.agreement import binary_agreement
from evalkit.stats.cluster_bootstrap import ClusterInterval
from evalkit.stats.intervals import gate_decision
from evalkit.verdicts.trust_record import (
    CalibrationKey,
    CalibrationRecord,
    CriterionCalibration,
    InvalidGap,
    judge_slug,
    record_path,
    write_record,
)

ROOT = Path(__file__).resolve().parents[2]
RUBRIC = "support.resolution@3"
SCENARIOS = ["refund-damaged-item", "cancel-order", "update-address"]


def make_project(root: Path) -> Path:
    """The demo suite cut to one rubric, one tier, three scenarios of two trials, judge_trust required."""
    for name in ("rubrics", "personas"):
        shutil.copytree(ROOT / name, root / name)
    (root / "suites").mkdir()
    shutil.copy(
        ROOT / "evalkit" / "demo" / "project" / "suites" / "demo" / "offline_rules.yaml",
        root / "suites" / "offline_rules.yaml",
    )
    shutil.copytree(
        ROOT / "evalkit" / "demo" / "project" / "suites" / "demo" / "simulator", root / "suites" / "simulator"
    )  # the demo's simulator prompts
    (root / "pyproject.toml").write_text("[project]\nname = 'judge-trust-demo'\n")
    suite = yaml.safe_load((ROOT / "evalkit" / "demo" / "project" / "suites" / "demo" / "support.yaml").read_text())
    suite.update(
        rubrics=[RUBRIC],
        agent_models=["openai:gpt-4.1"],
        trials=2,
        gate={"max_invalid_rate": 0.1, "judge_trust": {"require": "fail"}},
        scenarios=[{k: v for k, v in s.items() if k != "rubrics"} for s in suite["scenarios"] if s["id"] in SCENARIOS],
    )
    path = root / "suites" / "support.yaml"
    path.write_text(json.dumps(suite))
    return path


def run_pytest(project: Path, suite: Path, reports: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
    for name in ("EVALKIT_LIVE", "GITHUB_STEP_SUMMARY", "CI", "GITHUB_ACTIONS", "PYTEST_ADDOPTS"):
        env.pop(name, None)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env["COLUMNS"] = "200"
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(suite),
            "--evalkit-offline",
            "--evalkit-no-cache",
            f"--evalkit-report-dir={reports}",
            "-p",
            "no:cacheprovider",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def latest(reports: Path) -> Path:
    return max((p for p in reports.iterdir() if p.is_dir() and not p.is_symlink()), key=lambda p: p.name)


def trusted_record(project: Path, run_dir: Path) -> Path:
    """A record for the instrument the run's rows name, whose agreement clears every floor on its bounds."""
    row = next(
        json.loads(line)
        for line in (run_dir / "results.jsonl").read_text().splitlines()
        if json.loads(line)["rubric_ref"] == RUBRIC
    )
    human = [1.0] * 30 + [0.0] * 30
    judge = [0.0] + [1.0] * 29 + [0.0] * 29 + [1.0]  # TPR 29/30, FPR 1/30
    agreement = binary_agreement(judge, human)

    def interval(estimate: float | None, low: float, high: float) -> ClusterInterval:
        return ClusterInterval(
            estimate=estimate,
            low=low,
            high=high,
            confidence=0.95,
            method="cluster_bootstrap",
            n_clusters=12,
            n_items=60,
            n_undefined=0,
            note="written by the test",
        )

    crit = CriterionCalibration(
        criterion_id="resolved",
        scale="binary",
        threshold=None,
        n_items=60,
        n_clusters=12,
        binary=agreement,
        intervals={
            "cohen_kappa": interval(agreement.cohen_kappa, 0.8, 0.99),
            "tpr": interval(29 / 30, 0.9, 1.0),
            "fpr": interval(1 / 30, 0.0, 0.1),
        },
        invalid=InvalidGap(
            p_invalid_human_fail=0.0, p_invalid_human_pass=0.0, gap=0.0, n_human_fail=30, n_human_pass=30
        ),
    )
    key = CalibrationKey(
        rubric=RUBRIC,
        rubric_fingerprint=row["rubric_fingerprint"],
        judge_models=row["judge_models"],
        template_hash=row["template_hash"],
        judge_params=row["judge_params"],
        evalkit_version=row["evalkit_version"],
        label_set_hash="test",
        date=__import__("datetime").date.today().isoformat(),
    )
    record = CalibrationRecord(
        key=key,
        judge_slug=judge_slug(row["judge_models"]),
        seed=0,
        rejudge=0,
        n_labels=60,
        n_holdout=60,
        n_transcripts=60,
        n_clusters=12,
        criteria=[crit],
        verdict=agreement,
    )
    path = record_path(project, RUBRIC, row["judge_models"])
    write_record(path, record)
    return path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Run the suite without a record, then again with one: both outputs and run directories."""
    project = tmp_path_factory.mktemp("judge-trust-demo")
    suite = make_project(project)
    before = run_pytest(project, suite, project / "reports-before")
    record = trusted_record(project, latest(project / "reports-before"))
    after = run_pytest(project, suite, project / "reports-after")
    return {
        "project": project,
        "suite": suite,
        "before": before,
        "after": after,
        "record": record,
        "run_dir": latest(project / "reports-after"),
    }


def test_without_a_record_the_gate_is_inconclusive_and_pytest_fails(demo: dict) -> None:
    out = demo["before"].stdout
    assert demo["before"].returncode != 0, out[-3000:]
    assert "gate support-demo[openai:gpt-4.1]: INCONCLUSIVE" in out
    assert "judge_trust: INCONCLUSIVE" in out
    assert f"{RUBRIC} x openai:gpt-4.1-mini is MISSING" in " ".join(out.split())
    assert f"evalkit calibrate --labels labels/{RUBRIC}.jsonl --rubric {RUBRIC}" in " ".join(out.split())


def test_with_a_current_trusted_record_the_gate_decides(demo: dict) -> None:
    out = demo["after"].stdout
    assert "judge_trust: PASS" in out, out[-3000:]
    trials = [json.loads(line) for line in (demo["run_dir"] / "trials.jsonl").read_text().splitlines()]
    verdict = run_verdict(open_run(demo["run_dir"]))
    [gate] = verdict.gates
    assert gate.outcome in ("pass", "fail") and [f.state for f in gate.judge_trust] == ["trusted"]
    assert f"gate support-demo[openai:gpt-4.1]: {gate.outcome.upper()}" in out
    assert (demo["after"].returncode == 0) == (not verdict.failed)
    assert len(trials) == 6


def _set_gate(suite: Path, **gate: object) -> None:
    """Edit the suite's gate after the run: the report re-decides from the suite file run.json names."""
    data = json.loads(suite.read_text())
    data["gate"].update(gate)
    suite.write_text(json.dumps(data))
    gate_from_file.cache_clear()  # the report reads each suite file once per process


def test_rogan_gladen_through_the_report(demo: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(demo["project"])
    _set_gate(demo["suite"], corrected="rogan_gladen", suite_mean_lower_ci=0.3)
    try:
        [gate] = run_verdict(open_run(demo["run_dir"])).gates
    finally:
        _set_gate(demo["suite"], corrected="off", suite_mean_lower_ci=None)
    check = next(c for c in gate.checks if c.name == "suite_mean")
    assert gate.corrected is not None and gate.corrected.method == "rogan_gladen"
    assert gate.corrected.status == "ok" and gate.raw_rate is not None
    assert check.decision == gate_decision(gate.corrected, 0.3)
    assert "corrected (Rogan-Gladen)" in check.detail and f"raw {gate.raw_rate.mean:.2f}" in check.detail
    assert "TPR 29/30, FPR 1/30" in check.detail and "assumes the judge errs" in check.detail


def test_ppi_through_the_report_uses_labels_of_this_run(demo: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(demo["project"])
    run_dir: Path = demo["run_dir"]
    trials = [json.loads(line) for line in (run_dir / "trials.jsonl").read_text().splitlines()]
    labels_dir = demo["project"] / "labels"
    labels_dir.mkdir(exist_ok=True)
    lines = []
    for t in trials:  # every trial labelled; the human fails the first trial of refund-damaged-item
        human = (
            "fail"
            if (t["scenario_id"], t["trial"]) == ("refund-damaged-item", 0)
            else ("pass" if t["outcome"] == "pass" else "fail")
        )
        lines.append(
            {
                "transcript": os.path.relpath(run_dir / t["transcript_path"], labels_dir),
                "transcript_hash": t["transcript_hash"],
                "rubric": RUBRIC,
                "rubric_fingerprint": t["rubric_fingerprints"][RUBRIC],
                "labeller": "ana",
                "date": "2026-12-03",
                "cluster": t["scenario_id"],
                "split": "holdout",
                "criteria": {},
                "verdict": human,
            }
        )
    lines.append({**lines[0], "split": "dev", "verdict": "pass"})  # dev lines never correct
    (labels_dir / f"{RUBRIC}.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    _set_gate(demo["suite"], corrected="ppi", suite_mean_lower_ci=0.3)
    try:
        [gate] = run_verdict(open_run(run_dir)).gates
    finally:
        _set_gate(demo["suite"], corrected="off", suite_mean_lower_ci=None)
        shutil.rmtree(labels_dir)
    check = next(c for c in gate.checks if c.name == "suite_mean")
    assert gate.corrected is not None and gate.corrected.method == "ppi++", check.detail
    valid = [t for t in trials if t["outcome"] in ("pass", "fail")]
    assert gate.corrected.n_labels == len(valid) and gate.corrected.status == "ok"
    # every trial labelled: PPI++ is the labels' own stratified mean, whatever the judge said
    human = {}
    for t in valid:
        y = 0.0 if (t["scenario_id"], t["trial"]) == ("refund-damaged-item", 0) else float(t["outcome"] == "pass")
        human.setdefault(t["scenario_id"], []).append(y)
    assert gate.corrected.estimate == pytest.approx(sum(sum(v) / len(v) for v in human.values()) / len(human))
    assert "corrected (PPI++)" in check.detail and f"{len(valid)} labelled trials" in check.detail
