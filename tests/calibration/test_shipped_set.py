"""The shipped labelled set: labelled by construction, shipped in the package, and its record re-made by the CLI.

The golden test copies the set out of the tree (as a fresh clone or an installed
package has it) and runs `evalkit calibrate --labels DIR --offline --probes` in a
new process; the record it writes must equal the shipped one, but for the date.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from evalkit.conversation.transcript import Transcript
from evalkit.data.calibration.generate import DEV, label_scores
from evalkit.data.calibration.scripted_agent import FAULTS
from evalkit.spec import load_suite

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "evalkit" / "data" / "calibration" / "support-v1"
RECORD = SHIPPED / "calibration" / "support.conduct@1" / "openai_gpt-4.1-mini.json"


def labels() -> list[dict]:
    return [json.loads(line) for line in (SHIPPED / "labels.jsonl").read_text().splitlines()]


def without_date(record: dict) -> dict:
    return {**record, "key": {k: v for k, v in record["key"].items() if k != "date"}}


def test_the_cli_recalibrates_the_shipped_set_to_the_shipped_record(tmp_path: Path) -> None:
    copy = tmp_path / "support-v1"
    shutil.copytree(SHIPPED, copy, ignore=shutil.ignore_patterns("calibration"))
    cli = [sys.executable, "-c", "from evalkit.cli import main; main()"]
    done = subprocess.run(
        [*cli, "calibrate", "--labels", str(copy), "--offline", "--probes"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    written = copy / RECORD.relative_to(SHIPPED)
    assert f"wrote {written}" in done.stderr
    assert "bias probes" in done.stdout and "FPR by agent tier" in done.stdout
    fresh, shipped = json.loads(written.read_text()), json.loads(RECORD.read_text())
    assert without_date(fresh) == without_date(shipped), (
        "re-run `evalkit calibrate --labels "
        "evalkit/data/calibration/support-v1 --offline --probes` and review the record's diff"
    )


def test_the_record_shows_a_judge_that_errs_but_not_at_random() -> None:
    record = json.loads(RECORD.read_text())
    kappas = {c["criterion_id"]: c["binary"]["cohen_kappa"] for c in record["criteria"]}
    assert set(kappas) == {"resolved", "follows_policy", "correct_action", "claims_match_actions", "tone"}
    assert all(0.2 < k < 0.9 for k in kappas.values()), kappas
    probes = record["probes"]
    assert probes["injection_user"]["pass_shift"] > 0 and probes["injection_tool"]["pass_shift"] > 0
    assert probes["verbosity"]["pass_shift"] > 0
    assert record["n_clusters"] >= 10


def test_labels_are_constructed_and_follow_from_the_transcripts() -> None:
    rows = labels()
    suite = load_suite(SHIPPED / "suites" / "support-v1.yaml", root=SHIPPED)
    scenarios = {s.id: s for s in suite.scenarios}
    assert 100 <= len(rows) <= 140
    assert {r["source"] for r in rows} == {"constructed"}
    assert {r["labeller"] for r in rows} == {"construction"}
    for row in rows:
        transcript = Transcript.from_json((SHIPPED / row["transcript"]).read_bytes())
        assert transcript.content_hash() == row["transcript_hash"]
        scores = {k: v["score"] for k, v in row["criteria"].items()}
        assert scores == label_scores(transcript, scenarios[row["cluster"]]), row["transcript"]
        assert row["split"] == ("dev" if row["cluster"] in DEV else "holdout")


def test_every_fault_is_in_the_holdout_and_both_outcomes_occur() -> None:
    rows = labels()
    suite = load_suite(SHIPPED / "suites" / "support-v1.yaml", root=SHIPPED)
    fault = {s.id: s.params["fault"] for s in suite.scenarios}
    holdout = [r for r in rows if r["split"] == "holdout"]
    assert {fault[r["cluster"]] for r in holdout} == set(FAULTS)
    for criterion in ("resolved", "follows_policy", "correct_action", "claims_match_actions"):
        seen = Counter(r["criteria"][criterion]["score"] for r in holdout)
        assert seen[True] and seen[False], criterion
    assert len({r["cluster"] for r in holdout}) >= 10


def test_the_set_ships_in_the_package_and_stays_small() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "data/**/*" in config["tool"]["setuptools"]["package-data"]["evalkit"]
    size = sum(p.stat().st_size for p in SHIPPED.rglob("*") if p.is_file())
    assert size < 3_000_000, size


def test_a_set_is_its_own_project_and_names_its_rubric(tmp_path: Path) -> None:
    from evalkit.calibration.label_set import labelled_rubric, set_project

    assert set_project(SHIPPED) == SHIPPED.resolve() and labelled_rubric(SHIPPED) == "support.conduct@1"
    assert set_project(SHIPPED / "labels.jsonl") is None and set_project(tmp_path) is None
    two = tmp_path / "two.jsonl"
    two.write_text('{"rubric": "a@1"}\n{"rubric": "b@2"}\nnot json\n')
    with pytest.raises(ValueError, match=r"name a@1, b@2 \(expected one rubric"):
        labelled_rubric(two)
