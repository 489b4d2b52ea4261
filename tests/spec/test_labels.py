"""The label model and its JSONL loader: one problem per bad line, at its line, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.spec.label_model import Label
from evalkit.spec.labels import read_labels, score_problem
from evalkit.spec.models import Criterion
from evalkit.spec.schema import schema_text

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "transcript": "t.json",
    "transcript_hash": "3635d7a42325f4ea",
    "rubric": "support.resolution@3",
    "rubric_fingerprint": "15b2e2445336",
    "cluster": "refund-damaged-item",
    "split": "holdout",
    "labeller": "ana",
    "date": "2026-12-01",
    "criteria": {"resolved": {"score": True, "cited": [{"turn": 4}]}},
}


def _file(tmp_path: Path, *lines: str | dict) -> Path:
    path = tmp_path / "labels.jsonl"
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


def test_good_lines_load_with_their_line_numbers_and_round_trip(tmp_path: Path) -> None:
    second = {**GOOD, "labeller": "ben", "criteria": {"resolved": {"score": False}}}
    loaded = read_labels(_file(tmp_path, GOOD, "", second))
    assert loaded.problems == [] and [i.line for i in loaded.items] == [1, 3]
    label = loaded.items[0].label
    assert label.criteria["resolved"].score is True and label.labelled and label.source == "human"
    assert Label.model_validate_json(label.line()) == label
    assert not Label.model_validate({k: v for k, v in GOOD.items() if k != "criteria"}).labelled  # a stub


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{oops", "<document>: not valid JSON: Expecting property name enclosed in double quotes at column 2"),
        ('"a string"', "<document>: line is a string (expected a JSON object, one label per line)"),
        (json.dumps(GOOD)[:-1] + ', "split": "dev"}', "<document>: duplicate key 'split' (expected each key once)"),
        (
            json.dumps({**GOOD, "split": "train"}),
            "split: a string 'train' is not allowed (expected 'dev' or 'holdout')",
        ),
        (
            json.dumps({**GOOD, "rubric": "support.resolution"}),
            "rubric: 'support.resolution' is not a valid value (expected 'id@version', e.g. support.resolution@3)",
        ),
        (json.dumps({**GOOD, "date": "soon"}), "date: 'soon' is not a date (expected YYYY-MM-DD, e.g. 2026-12-01)"),
        (
            json.dumps({**GOOD, "criteria": {"resolved": {"score": "yes"}}}),
            "criteria.resolved.score: got a string 'yes' (expected true or false or an integer)",
        ),
        (
            json.dumps({**GOOD, "criteria": {"resolved": {"score": True, "cited": [{"turn": 0}]}}}),
            "criteria.resolved.cited[0].turn: 0 is too small (expected a number >= 1)",
        ),
        (json.dumps({k: v for k, v in GOOD.items() if k != "cluster"}), "cluster: "),
        (json.dumps({**GOOD, "inclusion_probability": 1.5}), "inclusion_probability: 1.5 is too large"),
    ],
)
def test_a_bad_line_is_one_problem_at_its_line(tmp_path: Path, line: str, message: str) -> None:
    loaded = read_labels(_file(tmp_path, GOOD, line, GOOD))
    assert [i.line for i in loaded.items] == [1, 3]
    assert len(loaded.problems) == 1, loaded.problems
    text = str(loaded.problems[0])
    assert text.startswith(f"{tmp_path}/labels.jsonl:2:1: ") and message in text, text


@pytest.mark.parametrize(
    ("raw", "message"),
    [(b"", "file has no labels"), (b"\xff\xfe{}", "not valid UTF-8"), (b"\n\n", "file has no labels")],
)
def test_empty_or_undecodable_files_are_one_problem(tmp_path: Path, raw: bytes, message: str) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_bytes(raw)
    loaded = read_labels(path)
    assert len(loaded.problems) == 1 and message in str(loaded.problems[0]) and loaded.problems[0].line == 1


def test_scores_must_be_on_the_criterion_scale() -> None:
    binary = Criterion(id="ok", question="?")
    scale = Criterion(id="tone", question="?", scale={"min": 1, "max": 5})
    assert score_problem(binary, True) is None and score_problem(binary, False) is None
    assert "expected true or false" in (score_problem(binary, 1) or "")
    assert score_problem(scale, 1) is None and score_problem(scale, 5) is None
    for bad in (0, 6, True):
        assert "expected an integer 1..5" in (score_problem(scale, bad) or "")


def test_committed_label_schema_matches_the_model() -> None:
    committed = ROOT / "schemas" / "label.schema.json"
    assert committed.read_text() == schema_text("label"), "schemas drifted: run `evalkit schema --write schemas`"
