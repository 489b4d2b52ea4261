"""What the judge_trust and corrected gates read from the project: calibration records and this run's labels.

Every consumer that decides a run (the plugin, the report) calls these, so
they all gate on the same records. Records: every `calibration/<rubric>@<v>/
<judge>.json` under the project root. Labels: holdout lines with an overall
`verdict` in `labels/**/*.jsonl` whose transcript is a transcript of this run
directory, matched to its trial by path and checked against its hash.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Any

from evalkit.spec.labels import read_labels
from evalkit.spec.project import files_below, find_project_root
from evalkit.verdicts.rows import TrialKey, TrialRecord
from evalkit.verdicts.run_verdict import VerdictInputs
from evalkit.verdicts.trust_gate import CalibrationLookup, LoadedRecord, RunLabel
from evalkit.verdicts.trust_record import RECORD_DIR, read_record

LABEL_DIR = "labels"


def project_root_of(suite_path: str | Path | None) -> Path:
    """The project a suite file belongs to (nearest pyproject.toml above it), else the cwd."""
    return find_project_root(Path(suite_path).parent if suite_path else None)


def with_judge_evidence(inputs: VerdictInputs, trials: list[TrialRecord]) -> VerdictInputs:
    """`inputs` with the project's calibration records and the labels of these trials (from inputs.run_dir).

    The project is the one of the trials' suite file; every consumer that decides a run calls this,
    so the terminal, the step summary and the report gate on the same records.
    """
    suite_path = next((t.suite_path for t in trials if t.suite_path), None)
    root = project_root_of(suite_path)
    update: dict[str, Any] = {"labels": load_run_labels(root, inputs.run_dir, trials)}
    if inputs.calibration is None:
        update["calibration"] = load_calibration(root)
    return inputs.model_copy(update=update)


def load_calibration(root: Path) -> CalibrationLookup:
    """Every record under root/calibration/ (an unreadable one is kept with its problem: the gate calls it missing)."""
    base = root / RECORD_DIR
    files = sorted(base.glob("*/*.json")) if base.is_dir() else []
    stamp = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    return _load_calibration(str(root), stamp)  # shared: read-only


@lru_cache(maxsize=8)
def _load_calibration(root_text: str, stamp: tuple[tuple[str, int, int], ...]) -> CalibrationLookup:
    """Cached on the files' names, times and sizes: the plugin asks once per item."""
    lookup = CalibrationLookup(root=root_text)
    for path in (Path(name) for name, _, _ in stamp):
        rubric, slug = path.parent.name, path.stem
        shown = f"{RECORD_DIR}/{rubric}/{path.name}"
        try:
            loaded = LoadedRecord(rubric=rubric, judge_slug=slug, path=shown, record=read_record(path))
        except ValueError as exc:
            loaded = LoadedRecord(rubric=rubric, judge_slug=slug, path=shown, problem=str(exc))
        lookup.records[f"{rubric}/{slug}"] = loaded
    return lookup


def load_run_labels(root: Path, run_dir: Path | None, trials: list[TrialRecord]) -> list[RunLabel]:
    """Labels of this run's trials (the label's transcript path resolves into run_dir and its hash matches).

    Cheap when no label points into run_dir (the plugin asks once per item while the run is under way).
    """
    if run_dir is None or not (root / LABEL_DIR).is_dir():
        return []
    run_root = run_dir.resolve()
    votes_in_run = [
        v
        for file in files_below([root / LABEL_DIR], (".jsonl",))
        for v in _votes(file)
        if v[0].is_relative_to(run_root)
    ]
    if not votes_in_run:
        return []
    by_path = {(run_dir / t.transcript_path).resolve(): t for t in trials if t.transcript_path}
    votes: dict[tuple[TrialKey, str], list[float]] = defaultdict(list)
    found: dict[tuple[TrialKey, str], TrialRecord] = {}
    for path, transcript_hash, rubric, vote in votes_in_run:
        trial = by_path.get(path)
        if trial is None or (trial.transcript_hash and trial.transcript_hash != transcript_hash):
            continue
        votes[(trial.key, rubric)].append(vote)
        found[(trial.key, rubric)] = trial
    return [
        RunLabel(
            suite=t.suite,
            scenario_id=t.scenario_id,
            tier=t.tier,
            trial=t.trial,
            rubric=rubric,
            human_pass=sum(v) / len(v),
            n_lines=len(v),
        )
        for (key, rubric), v in sorted(votes.items())
        for t in [found[(key, rubric)]]
    ]


Vote = tuple[Path, str, str, float]  # resolved transcript path, its hash, rubric ref, 1.0 pass / 0.0 fail


def _votes(file: Path) -> tuple[Vote, ...]:
    stat = file.stat()
    return _file_votes(str(file), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _file_votes(name: str, mtime_ns: int, size: int) -> tuple[Vote, ...]:
    """The holdout lines with an overall verdict of one label file (cached on its time and size)."""
    file = Path(name)
    return tuple(
        (
            (file.parent / item.label.transcript).resolve(),
            item.label.transcript_hash,
            item.label.rubric,
            1.0 if item.label.verdict == "pass" else 0.0,
        )
        for item in read_labels(file).items
        if item.label.split == "holdout" and item.label.verdict is not None
    )
