"""Resuming a cut-off run: what is already done, and whether it is still valid to reuse."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.run.config import SHAPING_FIELDS, RunConfig
from evalkit.run.events import read_events
from evalkit.run.manifest import suite_rubrics
from evalkit.run.plan import WorkItem, item_key
from evalkit.run.run_dir import EVENTS, RESULTS, TRIALS, RunDir, read_rows, resolve_run_dir


class ResumeError(Exception):
    """The run cannot be resumed; the message is one line that says why and what to do."""


def resolve_resume(config: RunConfig) -> RunConfig:
    """The config to resume with: the stored run's shaping fields, the caller's operational ones."""
    if not config.resume:
        return config
    try:
        path = resolve_run_dir(config.resume, config.report_dir)
        stored = RunDir(path).read_manifest().get("config", {})
    except (FileNotFoundError, ValueError) as exc:
        raise ResumeError(f"cannot resume: {exc}") from None
    shaping = {k: stored.get(k) for k in SHAPING_FIELDS if k in stored}
    return config.model_copy(update={**shaping, "resume": str(path)})


def check_unchanged(manifest: dict[str, Any], items: list[WorkItem], run_path: Path) -> None:
    """Refuse to mix results from different suite or rubric files into one run."""
    stored_suites = {s["path"]: s for s in manifest.get("suites", [])}
    stored_rubrics = {r["ref"]: r["fingerprint"] for r in manifest.get("rubrics", [])}
    for loaded in {id(i.suite): i.suite for i in items}.values():
        entry = stored_suites.get(str(loaded.path))
        if entry is None:
            raise ResumeError(f"cannot resume {run_path}: suite {loaded.path} was not part of that run; start a new run")
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
    """What the event log (and the transcripts on disk) say is already done."""

    decided: set[str] = field(default_factory=set)
    judged: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> Judgement json
    transcripts: dict[str, str] = field(default_factory=dict)  # key -> relative transcript path
    started: set[str] = field(default_factory=set)


def load_state(run_dir: RunDir) -> ResumeState:
    state = ResumeState()
    for event in read_events(run_dir.file(EVENTS)):
        key = event.get("key")
        kind = event["kind"]
        if kind == "session_started":
            state.started.add(key)
        elif kind == "session_ended" and event.get("complete", True):
            state.transcripts[key] = event["transcript_path"]
        elif kind == "judged" and "judgement" in event:
            state.judged[key] = event["judgement"]
        elif kind == "trial_decided":
            state.decided.add(key)
    return state


def _row_key(row: dict[str, Any]) -> str:
    return item_key(row["suite"], row["scenario_id"], row["tier"], row["trial"])


def prune_rows(run_dir: RunDir, decided: set[str]) -> tuple[dict[str, dict], dict[str, list[dict]]]:
    """Keep only rows of decided trials (a crash may leave rows of an undecided one), once each.

    Returns the kept trials rows and results rows by key, so the resumed run reports them without re-running.
    """
    trials: dict[str, dict[str, Any]] = {}
    for row in read_rows(run_dir.file(TRIALS)):
        key = _row_key(row)
        if key in decided and key not in trials:
            trials[key] = row
    results: dict[str, list[dict[str, Any]]] = {}
    seen: set[tuple[str, str, str]] = set()
    for row in read_rows(run_dir.file(RESULTS)):
        key = _row_key(row)
        ident = (key, row.get("rubric_ref", ""), row.get("criterion_id", ""))
        if key in trials and ident not in seen:
            seen.add(ident)
            results.setdefault(key, []).append(row)
    run_dir.rewrite_rows(TRIALS, trials.values())
    run_dir.rewrite_rows(RESULTS, [r for rows in results.values() for r in rows])
    return trials, results
