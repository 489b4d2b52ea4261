"""`evalkit calibrate` offline over a real run: the record against statistics computed from the construction."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from calib_project import JUDGE, JUDGE_CALLS, RUBRIC_REF, human_says, judge_says, rubric
from click.testing import CliRunner, Result

from evalkit import __version__
from evalkit.calibration.record import CalibrationRecord
from evalkit.cli import main
from evalkit.stats.agreement import cohen_kappa, confusion, quadratic_weighted_kappa

RECORD = Path("calibration") / RUBRIC_REF / "openai_judge-m.json"


def evalkit(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def calibrate(project: Path, labels: Path, *extra: str) -> CalibrationRecord:
    result = evalkit("calibrate", "--labels", labels, "--rubric", RUBRIC_REF, "--offline", "--root", project, *extra)
    assert result.exit_code == 0, result.output
    return CalibrationRecord.model_validate_json((project / RECORD).read_bytes())


def _results(run_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run_dir / "results.jsonl").read_text().splitlines()]


def _holdout(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r["split"] == "holdout"]


def _tone_passes(tone: int) -> float:
    return float((tone - 1) / 4 >= 0.7)  # the rubric threshold (default 0.7) on the normalised scale


def test_the_record_agrees_with_the_statistics_of_the_constructed_labels(project: Path, run_dir: Path) -> None:
    from calib_project import write_labels

    labels, rows = write_labels(project, run_dir)
    record = calibrate(project, labels)
    holdout = _holdout(rows)
    by_id = {c.criterion_id: c for c in record.criteria}
    judge = [judge_says(r["_seed"]) for r in holdout]
    human = [
        human_says(r["_seed"]) if r["labeller"] == "ann" else (r["criteria"]["helpful"]["score"], 0) for r in holdout
    ]
    j_help = [float(j[0]) for j in judge]
    h_help = [float(r["criteria"]["helpful"]["score"]) for r in holdout]
    assert h_help == [float(h[0]) for h in human]  # the labels file says what the construction says
    expected = confusion(j_help, h_help)
    got = by_id["helpful"].binary
    assert (got.confusion.tp, got.confusion.fp, got.confusion.fn, got.confusion.tn) == (
        expected.tp,
        expected.fp,
        expected.fn,
        expected.tn,
    )
    assert 0 < expected.fp + expected.fn < len(holdout)  # the construction has agreements and disagreements
    assert got.cohen_kappa == pytest.approx(cohen_kappa(j_help, h_help, labels=(0, 1)), abs=1e-12)
    j_tone = [float(j[1]) for j in judge]
    h_tone = [float(r["criteria"]["tone"]["score"]) for r in holdout]
    tone = by_id["tone"]
    expected_tone = confusion([_tone_passes(int(t)) for t in j_tone], [_tone_passes(int(t)) for t in h_tone])
    assert (tone.binary.confusion.tp, tone.binary.confusion.fn) == (expected_tone.tp, expected_tone.fn)
    assert tone.threshold == 0.7 and tone.scale == "scale"
    assert tone.scale_stats is not None
    assert tone.scale_stats.quadratic_kappa == pytest.approx(
        quadratic_weighted_kappa(j_tone, h_tone, labels=range(1, 6)), abs=1e-12
    )
    assert tone.intervals["quadratic_kappa"].n_clusters == 4
    assert by_id["helpful"].intervals["cohen_kappa"].method == "cluster_jackknife"  # 4 scenarios: the fallback
    pairs = [
        (r["criteria"]["helpful"]["score"], b["criteria"]["helpful"]["score"])
        for r in rows
        for b in rows
        if r["labeller"] == "ann" and b["labeller"] == "bob" and b["transcript"] == r["transcript"]
    ]
    assert by_id["helpful"].human_human is not None
    assert by_id["helpful"].human_human.cohen_kappa == pytest.approx(
        cohen_kappa([float(a) for a, _ in pairs], [float(b) for _, b in pairs], labels=(0, 1)), abs=1e-12
    )
    assert record.n_holdout == len(holdout) and record.n_clusters == 4
    on_answer = [r["criteria"]["helpful"]["cited"][0]["turn"] == 4 for r in holdout]  # the judge always cites turn 4
    assert by_id["helpful"].n_cited == len(holdout) and by_id["tone"].n_cited == 0
    assert by_id["helpful"].cited_match == pytest.approx(sum(on_answer) / len(on_answer))
    assert 0 < sum(on_answer) < len(on_answer)
    assert record.verdict is not None and record.verdict.n == len(holdout)


def test_the_record_is_keyed_by_the_instrument_and_written_where_check_finds_it(project: Path, run_dir: Path) -> None:
    from calib_project import write_labels

    labels, _ = write_labels(project, run_dir)
    record = calibrate(project, labels)
    row = _results(run_dir)[0]
    key = record.key
    assert key.rubric == RUBRIC_REF and key.rubric_fingerprint == row["rubric_fingerprint"]
    assert key.judge_models == [JUDGE] and key.judge_params == row["judge_params"]
    assert key.template_hash == row["template_hash"] and key.evalkit_version == __version__
    assert len(key.label_set_hash) == 64 and len(key.date) == 10
    check = evalkit("calibrate", "check", "--root", project)
    assert check.exit_code == 0, check.output
    assert f"{RUBRIC_REF} x {JUDGE}" in check.output and "missing" not in check.output


def test_the_same_seed_writes_the_same_bytes_and_another_seed_other_intervals(project: Path, run_dir: Path) -> None:
    from calib_project import write_labels

    labels, _ = write_labels(project, run_dir)
    calibrate(project, labels, "--seed", "5")
    first = (project / RECORD).read_bytes()
    calibrate(project, labels, "--seed", "5")
    assert (project / RECORD).read_bytes() == first
    other = calibrate(project, labels, "--seed", "6")
    assert other.seed == 6 and (project / RECORD).read_bytes() != first


def test_rejudge_reads_past_the_cache_and_measures_no_noise_from_a_deterministic_judge(
    project: Path, run_dir: Path
) -> None:
    from calib_project import write_labels

    labels, _ = write_labels(project, run_dir)
    before = len(JUDGE_CALLS)
    first = calibrate(project, labels)
    assert all(c.judge_noise is None for c in first.criteria)
    assert len(JUDGE_CALLS) - before == first.n_transcripts  # one request per transcript (samples: 1)
    before = len(JUDGE_CALLS)
    repeated = calibrate(project, labels)
    assert len(JUDGE_CALLS) == before  # the same rules on another port: every reading comes from the response cache
    assert repeated.criteria == first.criteria
    again = calibrate(project, labels, "--rejudge", "2")
    # the production pass reads the response cache; the two re-readings still reach the model
    assert len(JUDGE_CALLS) - before == 2 * again.n_transcripts
    for criterion in again.criteria:
        noise = criterion.judge_noise
        assert noise is not None and noise.readings_per_trial == 3 and noise.judge_variance == 0


def test_check_reports_missing_then_stale_after_the_rubric_changes(project: Path, run_dir: Path) -> None:
    from calib_project import write_labels

    missing = evalkit("calibrate", "check", "--root", project, "--strict")
    assert missing.exit_code == 1 and f"missing: {RUBRIC_REF}" in missing.output
    labels, _ = write_labels(project, run_dir)
    calibrate(project, labels)
    fresh = evalkit("calibrate", "check", "--root", project)
    assert "stale" not in fresh.output and "untrusted" in fresh.output  # kappa near 0 by construction
    (project / "rubrics" / "quality.yaml").write_text(json.dumps(rubric("Did the agent name the carrier?")))
    stale = evalkit("calibrate", "check", "--root", project)
    assert stale.exit_code == 0 and f"stale: {RUBRIC_REF}" in stale.output
    assert "rubric fingerprint changed" in stale.output
    assert evalkit("calibrate", "check", "--root", project, "--strict").exit_code == 1


def test_without_offline_replay_or_live_it_refuses_in_one_line(
    project: Path, run_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from calib_project import write_labels

    monkeypatch.delenv("EVALKIT_LIVE", raising=False)
    labels, _ = write_labels(project, run_dir)
    before = len(JUDGE_CALLS)
    result = evalkit("calibrate", "--labels", labels, "--rubric", RUBRIC_REF, "--root", project)
    assert result.exit_code != 0 and "live model calls are off" in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not (project / RECORD).exists() and len(JUDGE_CALLS) == before


def test_a_transcript_changed_since_labelling_stops_calibration_with_its_line(project: Path, run_dir: Path) -> None:
    from calib_project import write_labels

    labels, rows = write_labels(project, run_dir)
    transcript = (labels.parent / rows[1]["transcript"]).resolve()
    transcript.write_text(transcript.read_text().replace("has shipped", "was lost"))
    result = evalkit("calibrate", "--labels", labels, "--rubric", RUBRIC_REF, "--offline", "--root", project)
    assert result.exit_code == 1 and f"{labels}:2:1: transcript_hash" in result.output
    assert not (project / RECORD).exists()


def test_a_judge_that_agrees_with_every_label_is_trusted(project: Path, run_dir: Path) -> None:
    from calib_project import write_labels

    labels, _ = write_labels(project, run_dir, agree=True)
    record = calibrate(project, labels)
    for criterion in record.criteria:
        m = criterion.binary.confusion
        assert m.fp == m.fn == 0 and criterion.binary.cohen_kappa == pytest.approx(1.0)
    few = evalkit("calibrate", "check", "--root", project, "--strict")  # 4 scenarios, 10 by default
    assert few.exit_code == 1 and few.output.startswith(f"weak: {RUBRIC_REF} x {JUDGE}: labels from 4 scenarios")
    check = evalkit("calibrate", "check", "--root", project, "--strict", "--min-clusters", "4")
    assert check.exit_code == 0 and check.output.startswith(f"trusted: {RUBRIC_REF} x {JUDGE}"), check.output
