"""What the gates read from the project: every calibration record, and the labels of this run's trials only."""

from __future__ import annotations

import json
from pathlib import Path

from evalkit.run.trust_inputs import load_calibration, load_run_labels, with_judge_evidence
from evalkit.verdicts import TrialRecord, VerdictInputs

RUBRIC = "support.resolution@3"


def digest(scenario: str, i: int) -> str:
    return f"{ord(scenario):08x}{i:08x}"


def trial(i: int, scenario: str = "a") -> TrialRecord:
    return TrialRecord(
        suite="s",
        suite_path="suites/s.yaml",
        scenario_id=scenario,
        tier="t",
        trial=i,
        outcome="pass",
        transcript_path=f"transcripts/{scenario}{i}.json",
        transcript_hash=digest(scenario, i),
    )


def label(run: str, scenario: str, i: int, verdict: str | None, **extra: object) -> dict:
    return {
        "transcript": f"../reports/{run}/transcripts/{scenario}{i}.json",
        "transcript_hash": digest(scenario, i),
        "rubric": RUBRIC,
        "rubric_fingerprint": "fp",
        "labeller": "ana",
        "cluster": scenario,
        "split": "holdout",
        "criteria": {},
        "verdict": verdict,
        **extra,
    }


def write_labels(root: Path, lines: list[dict], name: str = f"{RUBRIC}.jsonl") -> None:
    (root / "labels").mkdir(exist_ok=True)
    (root / "labels" / name).write_text("".join(json.dumps(line) + "\n" for line in lines))


def test_only_holdout_verdicts_of_this_runs_trials_with_matching_hashes(tmp_path: Path) -> None:
    run_dir = tmp_path / "reports" / "run1"
    trials = [trial(0), trial(1), trial(2), trial(0, "b")]
    write_labels(
        tmp_path,
        [
            label("run1", "a", 0, "pass"),
            label("run1", "a", 0, "fail", labeller="ben"),  # two labellers: the mean
            label("run1", "a", 1, "fail"),
            label("run1", "a", 2, "fail", split="dev"),  # dev: never corrects
            label("run1", "b", 0, "pass", transcript_hash="deadbeefdeadbeef"),  # another text than the trial's
            label("run0", "a", 1, "pass"),  # another run's transcript
            label("run1", "a", 2, None),  # no overall verdict
        ],
    )
    got = {
        (lab.scenario_id, lab.trial): (lab.human_pass, lab.n_lines)
        for lab in load_run_labels(tmp_path, run_dir, trials)
    }
    assert got == {("a", 0): (0.5, 2), ("a", 1): (0.0, 1)}
    other = load_run_labels(tmp_path, tmp_path / "reports" / "run0", trials)  # the same trial keys, run0's files
    assert [(lab.scenario_id, lab.trial, lab.human_pass) for lab in other] == [("a", 1, 1.0)]


def test_a_label_file_edited_between_calls_is_read_again(tmp_path: Path) -> None:
    run_dir = tmp_path / "reports" / "run1"
    write_labels(tmp_path, [label("run1", "a", 0, "pass")])
    assert [lab.human_pass for lab in load_run_labels(tmp_path, run_dir, [trial(0)])] == [1.0]
    write_labels(tmp_path, [label("run1", "a", 0, "fail"), label("run1", "a", 0, "fail", labeller="ben")])
    assert [lab.human_pass for lab in load_run_labels(tmp_path, run_dir, [trial(0)])] == [0.0]


def test_records_are_found_by_rubric_and_judge_and_a_broken_one_says_why(tmp_path: Path) -> None:
    assert load_calibration(tmp_path).records == {}
    folder = tmp_path / "calibration" / RUBRIC
    folder.mkdir(parents=True)
    (folder / "openai_gpt-4.1-mini.json").write_text("{not json")
    lookup = load_calibration(tmp_path)
    found = lookup.find(RUBRIC, ("openai:gpt-4.1-mini",))
    assert found is not None and found.record is None and "not a calibration record" in found.problem
    assert lookup.find(RUBRIC, ("openai:gpt-4.1",)) is None


def test_with_judge_evidence_uses_the_project_of_the_suite_file(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "suites").mkdir()
    write_labels(tmp_path, [label("run1", "a", 0, "pass")])
    monkeypatch.chdir(tmp_path)
    inputs = with_judge_evidence(VerdictInputs(run_dir=tmp_path / "reports" / "run1"), [trial(0)])
    assert inputs.calibration is not None and inputs.calibration.root == str(tmp_path)
    assert [(lab.scenario_id, lab.trial) for lab in inputs.labels] == [("a", 0)]
