"""Resuming a cut-off run: what is already done, and whether it is still valid to reuse.

Which settings the run continues with (`resolve_resume`, `ResumeError`) is decided in
`evalkit.run.resume_config`, before planning; both are re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.run.events import read_events
from evalkit.run.integrity import TrialRows, group_rows, row_key
from evalkit.run.manifest import suite_rubrics
from evalkit.run.plan import WorkItem
from evalkit.run.resume_config import ResumeError, resolve_resume
from evalkit.run.run_dir import EVENTS, RESULTS, TRIALS, RunDir, read_rows
from evalkit.spec.problems import SpecError
from evalkit.spec.suites import LoadedSuite, load_suite


def check_unchanged(manifest: dict[str, Any], items: list[WorkItem], run_path: Path) -> None:
    """Refuse to mix results from different suite or rubric files into one run."""
    check_suites_unchanged(manifest, list({id(i.suite): i.suite for i in items}.values()), run_path)


def check_stored_suites_unchanged(manifest: dict[str, Any], run_path: Path) -> None:
    """The same refusal from the run's own manifest, before anything is collected.

    An xdist controller collects nothing itself; without this its workers would
    each refuse on their own while the controller decided the old run's gate.
    """
    loaded = []
    for entry in manifest.get("suites", []):
        try:
            loaded.append(load_suite(entry["path"]))
        except FileNotFoundError:
            raise ResumeError(
                f"cannot resume {run_path}: suite {entry['path']} no longer exists; start a new run"
            ) from None
        except SpecError as exc:
            raise ResumeError(f"cannot resume {run_path}: {exc}") from None
    check_suites_unchanged(manifest, loaded, run_path)


def check_suites_unchanged(manifest: dict[str, Any], suites: list[LoadedSuite], run_path: Path) -> None:
    """Each suite's file hash and each rubric's fingerprint must equal what the run recorded."""
    stored_suites = {s["path"]: s for s in manifest.get("suites", [])}
    stored_rubrics = {r["ref"]: r["fingerprint"] for r in manifest.get("rubrics", [])}
    for loaded in suites:
        entry = stored_suites.get(str(loaded.path))
        if entry is None:
            raise ResumeError(
                f"cannot resume {run_path}: suite {loaded.path} was not part of that run; start a new run"
            )
        if entry.get("file_hash") != loaded.file_hash:
            raise ResumeError(f"cannot resume {run_path}: {loaded.path} changed since the run started; start a new run")
        for rubric in suite_rubrics(loaded).values():
            old = stored_rubrics.get(rubric.ref)
            if old is not None and old != rubric.fingerprint:
                raise ResumeError(
                    f"cannot resume {run_path}: rubric {rubric.ref} changed since the run started "
                    f"(fingerprint {old} -> {rubric.fingerprint}); start a new run"
                )


@dataclass
class ResumeState:
    """What the event log says of each trial's latest attempt (a later attempt voids what an earlier one did)."""

    decided: set[str] = field(default_factory=set)
    judged: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> Judgement json
    transcripts: dict[str, str] = field(default_factory=dict)  # key -> relative transcript path
    hashes: dict[str, str] = field(default_factory=dict)  # key -> content hash of the transcript it logged
    started: set[str] = field(default_factory=set)

    def forget(self, key: str) -> None:
        """Run this trial again from its session: nothing logged of it so far is to be used."""
        for table in (self.judged, self.transcripts, self.hashes):
            table.pop(key, None)
        self.decided.discard(key)


def load_state(run_dir: RunDir) -> ResumeState:
    state = ResumeState()
    for event in read_events(run_dir.file(EVENTS)):
        key = event.get("key")
        kind = event["kind"]
        if not isinstance(key, str):  # run-level events (run_started, ...) name no trial
            continue
        if kind == "session_started":
            state.forget(key)
            state.started.add(key)
        elif kind == "session_ended" and event.get("complete", True):
            state.forget(key)
            state.transcripts[key] = event["transcript_path"]
            if event.get("transcript_hash"):
                state.hashes[key] = event["transcript_hash"]
        elif kind == "judged" and "judgement" in event:
            state.judged[key] = event["judgement"]
        elif kind == "trial_decided":
            state.decided.add(key)
    return state


@dataclass
class Repair:
    """What resume does with the trials the log has: keep their rows, rewrite them from the log, or run again."""

    kept: dict[str, TrialRows] = field(default_factory=dict)
    rebuilt: list[str] = field(default_factory=list)  # rows lost or damaged; transcript and judgement are logged
    rerun: list[str] = field(default_factory=list)  # transcript missing or not the one the log names

    def note(self) -> str | None:
        parts = []
        if self.rebuilt:
            parts.append(f"{len(self.rebuilt)} trials' rows rewritten from the event log (no model call)")
        if self.rerun:
            parts.append(f"{len(self.rerun)} trials run again: transcript missing or changed since it was logged")
        return "; ".join(parts) or None


def repair(run_dir: RunDir, state: ResumeState, planned: set[str]) -> Repair:
    """Check every planned trial against its transcript file and its rows; rewrite the rows files to the kept ones.

    Afterwards `state` holds only what may be reused: a trial to rebuild keeps its transcript and
    judgement (the scheduler writes its rows again without a model call); a trial to re-run has neither.
    Rows of trials outside `planned` (a resume with `-k`) stay as they are.
    """
    trials, results = read_rows(run_dir.file(TRIALS)), read_rows(run_dir.file(RESULTS))
    result = classify(run_dir, state, planned, trials, results)
    run_dir.rewrite_rows(TRIALS, _outside(trials, planned) + [r.trial for r in result.kept.values() if r.trial])
    run_dir.rewrite_rows(RESULTS, _outside(results, planned) + [row for r in result.kept.values() for row in r.results])
    return result


def classify(
    run_dir: RunDir, state: ResumeState, planned: set[str], trials: list[dict[str, Any]], results: list[dict[str, Any]]
) -> Repair:
    """`repair` without writing: which planned trials keep their rows, are rebuilt, or run again (`state` trimmed)."""
    result = Repair(rerun=_untrusted(run_dir, state, planned))
    for key in result.rerun:
        state.forget(key)
    grouped = group_rows(trials, results)
    decided = state.decided & planned
    for key in [k for k in grouped if k in decided] + sorted(decided - grouped.keys()):
        rows = grouped.get(key)
        if rows is not None and rows.complete(state.hashes.get(key)):
            result.kept[key] = rows
        else:
            result.rebuilt.append(key)
    state.decided -= set(result.rebuilt)
    return result


def _outside(rows: list[dict[str, Any]], planned: set[str]) -> list[dict[str, Any]]:
    """Rows of trials this resume does not plan: not its to judge, kept verbatim."""
    return [r for r in rows if row_key(r) not in planned]


def _untrusted(run_dir: RunDir, state: ResumeState, planned: set[str]) -> list[str]:
    """Planned trials whose logged transcript is not on disk as logged, and decided ones the log has none of."""
    bad = [k for k in state.transcripts if k in planned and not _transcript_ok(run_dir, state, k)]
    return bad + sorted(k for k in state.decided & planned if k not in state.transcripts)


def _transcript_ok(run_dir: RunDir, state: ResumeState, key: str) -> bool:
    """The transcript file is there and says what it said when its session ended (when the log has the hash)."""
    transcript = run_dir.read_transcript(state.transcripts[key])
    logged = state.hashes.get(key)
    return transcript is not None and (logged is None or transcript.content_hash() == logged)


__all__ = [
    "Repair",
    "ResumeError",
    "ResumeState",
    "check_stored_suites_unchanged",
    "check_suites_unchanged",
    "check_unchanged",
    "classify",
    "load_state",
    "repair",
    "resolve_resume",
]
