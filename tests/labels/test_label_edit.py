"""`evalkit labels edit`: the terminal labeller, driven end to end through a real process's stdin."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from label_helpers import evalkit, read_jsonl
from label_runs import RUBRIC_REF

from evalkit.spec.rubrics import load_rubric

FIRST = ["y", "4: has shipped; 2", "said where", "5", "", "", "p"]  # helpful, its cites and note; tone ...; verdict


def _edit(file: Path, project: Path, answers: list[str], *extra: str) -> subprocess.CompletedProcess[str]:
    code = "from evalkit.cli import main; main()"
    args = [sys.executable, "-c", code, "labels", "edit", str(file), "--root", str(project), *extra]
    return subprocess.run(
        args, input="".join(a + "\n" for a in answers), capture_output=True, text=True, timeout=60, cwd=project
    )


@pytest.fixture
def stubs(project: Path, run_dir: Path) -> Path:
    out = project / "labels" / "quality.jsonl"
    result = evalkit("labels", "sample", run_dir, "--rubric", RUBRIC_REF, "--n", "2", "--out", out, "--root", project)
    assert result.exit_code == 0
    return out


def test_labelling_two_items_writes_scores_citations_and_provenance(project: Path, stubs: Path) -> None:
    before = read_jsonl(stubs)
    second = ["maybe", "n", "9", "4: nope", "", "", "s", "f"]  # a bad answer, a bad turn, a bad quote: asked again
    done = _edit(stubs, project, FIRST + second, "--labeller", "ana")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "[1] user\n" in out and "[2] agent\n" in out and "[3] tool lookup_order (ok)" in out and "[4] agent" in out
    assert (
        "Did the agent tell the user where the order is?" in out and "1 = Rude" in out and "5 = Warm and precise" in out
    )
    assert "looked_up" not in out  # a deterministic check is not asked
    assert "expected y or n" in out and "'9' is not a turn" in out and "'nope' is not in turn 4" in out
    assert "2 item(s) labelled, 0 skipped, 0 still unlabelled" in out
    first, last = read_jsonl(stubs)
    fingerprint = load_rubric(project / "rubrics" / "quality.yaml").fingerprint
    assert first["criteria"] == {
        "helpful": {
            "score": True,
            "cited": [{"turn": 4, "quote": "has shipped"}, {"turn": 2, "quote": ""}],
            "note": "said where",
        },
        "tone": {"score": 5, "cited": [], "note": ""},
    }
    assert first["verdict"] == "pass" and last["verdict"] == "fail"
    assert last["criteria"] == {"helpful": {"score": False, "cited": [], "note": ""}}
    for row, stub in zip((first, last), before, strict=True):
        assert row["labeller"] == "ana" and row["source"] == "human" and row["rubric_fingerprint"] == fingerprint
        assert dt.date.fromisoformat(row["date"]) >= dt.date.today() - dt.timedelta(days=1)
        for key in ("transcript", "transcript_hash", "cluster", "split", "inclusion_probability", "run_id"):
            assert row[key] == stub[key]
    assert evalkit("validate", "--root", project).exit_code == 0


def test_an_interrupted_session_keeps_finished_items_and_resumes_at_the_next(project: Path, stubs: Path) -> None:
    original = stubs.read_text().splitlines()
    cut = _edit(stubs, project, [*FIRST, "y", "4"])  # input ends in the middle of the second item
    assert cut.returncode == 0 and "stopped: the item on screen was not saved" in cut.stdout
    lines = stubs.read_text().splitlines()
    assert read_jsonl(stubs)[0]["criteria"]["tone"]["score"] == 5
    assert lines[1] == original[1]  # the unfinished item's line is untouched, byte for byte
    again = _edit(stubs, project, ["n", "", "", "3", "", "", ""])
    assert again.returncode == 0 and "item 1/1 (line 2)" in again.stdout
    assert read_jsonl(stubs)[1]["criteria"] == {
        "helpful": {"score": False, "cited": [], "note": ""},
        "tone": {"score": 3, "cited": [], "note": ""},
    }
    nothing = _edit(stubs, project, [])
    assert "0 item(s) labelled, 0 skipped, 0 still unlabelled" in nothing.stdout


def test_q_quits_without_saving_the_item_on_screen(project: Path, stubs: Path) -> None:
    before = stubs.read_bytes()
    done = _edit(stubs, project, ["y", "", "", "q"])
    assert done.returncode == 0 and "stopped" in done.stdout and stubs.read_bytes() == before


def test_skipping_everything_leaves_the_item_unlabelled(project: Path, stubs: Path) -> None:
    before = stubs.read_bytes()
    done = _edit(stubs, project, ["s", "s", "", "s", "s", ""])
    assert "nothing scored: left unlabelled" in done.stdout and "0 item(s) labelled, 2 skipped" in done.stdout
    assert stubs.read_bytes() == before


def test_a_broken_labels_file_is_refused_before_asking_anything(project: Path, stubs: Path) -> None:
    stubs.write_text(stubs.read_text().replace('"split": "holdout"', '"split": "test"', 1))
    done = _edit(stubs, project, FIRST)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert ":1:1: split: " in done.stdout and "fix labels/quality.jsonl first" in done.stderr
