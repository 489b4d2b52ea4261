"""`evalkit validate` on labels: each bad line is one `file:line:col: key: message`, checked against the rubric
(criterion ids, scales), the lockfile (stale warning) and the transcript (hash, cited turns, quotes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from label_helpers import evalkit, read_jsonl, write_jsonl
from label_runs import REPLY, RUBRIC_REF

from evalkit.spec.lockfile import write_lock
from evalkit.spec.rubrics import load_rubric


@pytest.fixture
def labelled(project: Path, run_dir: Path) -> list[dict[str, Any]]:
    """Three sampled stubs under labels/, filled in as a labeller would, and valid as they stand."""
    out = project / "labels" / "quality.jsonl"
    assert (
        evalkit(
            "labels", "sample", run_dir, "--rubric", RUBRIC_REF, "--n", "3", "--out", out, "--root", project
        ).exit_code
        == 0
    )
    rows = read_jsonl(out)
    for row in rows:
        row.update(
            labeller="ana",
            date="2026-12-01",
            verdict="pass",
            criteria={
                "helpful": {"score": True, "cited": [{"turn": 4, "quote": "has shipped"}], "note": "said where"},
                "tone": {"score": 4, "cited": [{"turn": 4}]},
                "looked_up": {"score": True},
            },
        )
    write_jsonl(out, rows)
    return rows


def _validate(project: Path, *args: Any) -> tuple[int, list[str]]:
    result = evalkit("validate", "--root", project, *args)
    assert "Traceback" not in result.output
    return result.exit_code, [line for line in result.stdout.splitlines() if line]


def _broken(project: Path, rows: list[dict[str, Any]], line: int, change: Any) -> tuple[int, list[str]]:
    change(rows[line - 1])
    write_jsonl(project / "labels" / "quality.jsonl", rows)
    return _validate(project)


def test_filled_labels_validate(project: Path, labelled: list[dict[str, Any]]) -> None:
    code, lines = _validate(project)
    assert code == 0 and lines == []


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        (
            lambda r: r["criteria"].update(resolvd={"score": True}),
            "criteria.resolvd",
            "'resolvd' is not a criterion of quality@1 (expected one of: helpful, tone, looked_up)",
        ),
        (
            lambda r: r["criteria"]["helpful"].update(score=1),
            "criteria.helpful.score",
            "score 1 is not true or false (expected true or false: 'helpful' is binary)",
        ),
        (
            lambda r: r["criteria"]["tone"].update(score=7),
            "criteria.tone.score",
            "score 7 is off the scale (expected an integer 1..5)",
        ),
        (
            lambda r: r["criteria"]["tone"].update(score=True),
            "criteria.tone.score",
            "score true is off the scale (expected an integer 1..5)",
        ),
        (
            lambda r: r["criteria"]["tone"].update(cited=[{"turn": 9}]),
            "criteria.tone.cited[0].turn",
            "turn 9 does not exist (expected 1..4, as the judge numbers them)",
        ),
        (
            lambda r: r["criteria"]["helpful"].update(cited=[{"turn": 1, "quote": "has shipped"}]),
            "criteria.helpful.cited[0].quote",
            "'has shipped' is not in turn 1 (expected words of that user turn)",
        ),
        (lambda r: r.update(rubric="quality@2"), "rubric", "rubric 'quality' has no version 2"),
        (
            lambda r: r.update(transcript_hash="0" * 16),
            "transcript_hash",
            "0000000000000000 does not match the transcript's content hash",
        ),
        (lambda r: r.update(transcript="../nowhere.json"), "transcript", "nowhere.json not found"),
        (lambda r: r.update(split="train"), "split", "(expected 'dev' or 'holdout')"),
        (lambda r: r.update(date="yesterday"), "date", "date"),
    ],
)
def test_each_mistake_is_one_line_at_its_line_and_key(
    project: Path, labelled: list[dict[str, Any]], change: Any, key: str, message: str
) -> None:
    code, lines = _broken(project, labelled, 2, change)
    assert code == 1 and len(lines) == 1, lines
    assert lines[0].startswith("labels/quality.jsonl:2:1: " + key + ": ") or lines[0].split(": ", 1)[0].endswith(
        "labels/quality.jsonl:2:1"
    ), lines[0]
    assert f": {key}: " in lines[0] and message in lines[0], lines[0]


def test_quotes_match_as_the_judge_evidence_does(project: Path, labelled: list[dict[str, Any]]) -> None:
    """Typography, case and '...' gaps are folded like a judge's quote; the agent's reply is turn 4."""
    quote = REPLY.split()[0].upper() + " \u2026 ARRIVES on friday"
    code, lines = _broken(
        project, labelled, 1, lambda r: r["criteria"]["helpful"].update(cited=[{"turn": 4, "quote": quote}])
    )
    assert code == 0, lines


def test_a_changed_rubric_makes_labels_stale_a_warning_not_an_error(
    project: Path, labelled: list[dict[str, Any]]
) -> None:
    locked = {RUBRIC_REF: load_rubric(project / "rubrics" / "quality.yaml").fingerprint}
    write_lock(project / "rubrics" / "rubrics.lock", locked)
    assert _validate(project) == (0, [])
    write_lock(project / "rubrics" / "rubrics.lock", {RUBRIC_REF: "0123abcd0123"})
    code, lines = _validate(project)
    assert code == 0 and len(lines) == 3  # one per label line
    assert all(
        "rubric_fingerprint: warning: labelled under fingerprint" in line and "now 0123abcd0123" in line
        for line in lines
    )


def test_bad_json_lines_do_not_hide_the_good_ones(project: Path, labelled: list[dict[str, Any]]) -> None:
    path = project / "labels" / "quality.jsonl"
    good = path.read_text().splitlines()
    path.write_text(
        "\n".join([good[0], "{not json", "", "[1, 2]", good[1].replace('"ana"', '"ana", "ana2": 1')]) + "\n"
    )
    code, lines = _validate(project)
    assert code == 1
    assert [line.split(": ")[0].rsplit(":", 2)[-2] for line in lines] == ["2", "4", "5"]
    assert "not valid JSON" in lines[0] and "a list (expected a JSON object" in lines[1]
    assert "unknown key 'ana2'" in lines[2]


def test_labels_outside_labels_dir_are_checked_when_named(project: Path, labelled: list[dict[str, Any]]) -> None:
    elsewhere = project / "calibration" / "set.jsonl"
    rows = [dict(r) for r in labelled]
    for row in rows:  # transcript paths stay relative to the labels file that names them
        row["transcript"] = str(Path("..") / "labels" / row["transcript"])
        row["criteria"]["tone"]["score"] = 0
    write_jsonl(elsewhere, rows)
    assert _validate(project)[0] == 0  # not under labels/: not looked at by default
    code, lines = _validate(project, "--labels", elsewhere)
    assert code == 1 and len(lines) == 3 and all("criteria.tone.score: score 0 is off the scale" in x for x in lines)
    code, named = _validate(project, elsewhere)
    assert code == 1 and named == lines


def test_the_label_schema_file_is_generated_from_the_model_and_accepts_the_labels(
    project: Path, labelled: list[dict[str, Any]]
) -> None:
    import jsonschema

    root = Path(__file__).resolve().parents[2]
    schema = json.loads((root / "schemas" / "label.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    assert all(not list(validator.iter_errors(row)) for row in labelled)
    assert list(validator.iter_errors({**labelled[0], "split": "train"}))
    printed = evalkit("schema", "label")
    assert printed.exit_code == 0 and json.loads(printed.stdout) == schema
