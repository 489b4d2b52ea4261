"""Opening a run directory (new or resumed) and closing it with its final status."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from evalkit.run.config import RunConfig
from evalkit.run.events import EventLog
from evalkit.run.integrity import TrialRows
from evalkit.run.lock import RunLocked
from evalkit.run.manifest import build_manifest, totals, utc_now
from evalkit.run.outcome import ItemResult, RunStatus, RunSummary
from evalkit.run.plan import WorkItem
from evalkit.run.resume import ResumeError, check_unchanged, load_state, repair, resolve_resume
from evalkit.run.run_dir import EVENTS, TRIALS, RunDir, dump_line, read_rows, resolve_run_dir, update_latest

log = logging.getLogger(__name__)


@dataclass
class OpenedRun:
    """A run directory ready to write into, and what of the plan is still to do."""

    dir: RunDir
    config: RunConfig
    items: list[WorkItem]
    events: EventLog
    manifest: dict[str, Any]
    pending: list[WorkItem] = field(default_factory=list)
    kept: dict[str, ItemResult] = field(default_factory=dict)  # decided before this invocation
    transcripts: dict[str, str] = field(default_factory=dict)  # finished, not yet decided: key -> path
    judged: dict[str, dict[str, Any]] = field(default_factory=dict)  # judged, not yet decided

    @property
    def run_id(self) -> str:
        return self.dir.run_id

    def finish(self, status: RunStatus, reason: str | None) -> None:
        """Final manifest (totals from trials.jsonl, so a resumed run counts its earlier part), then the last event."""
        self.dir.close()  # flush the rows before totals are read back
        self.manifest.update(
            ended_at=utc_now(), status=status, status_reason=reason, totals=totals(read_rows(self.dir.file(TRIALS)))
        )
        self.dir.write_manifest(self.manifest)
        self.events.emit("run_ended", {"status": status, "reason": reason})
        self.events.close()
        self.dir.close()
        self.dir.release()

    def summary(self, status: RunStatus, reason: str | None, decided: int) -> RunSummary:
        return RunSummary(
            run_id=self.run_id,
            run_dir=self.dir.path,
            status=status,
            status_reason=reason,
            planned=len(self.items),
            decided=decided,
            kept_from_resume=len(self.kept),
            not_run=len(self.items) - decided,
            totals=self.manifest.get("totals", {}),
        )


def open_run(items: list[WorkItem], config: RunConfig) -> OpenedRun:
    """Create the run directory, or reopen the one being resumed after checking nothing changed since."""
    if config.resume:
        return _reopen(items, resolve_resume(config))
    return _holding(RunDir.create(config.report_dir, config.run_id), _start, items, config)


def _holding(run_dir: RunDir, open_with: Any, items: list[WorkItem], config: RunConfig) -> OpenedRun:
    """Open a claimed directory; its lock is released if opening fails, so no writer is left locked out."""
    try:
        return open_with(run_dir, items, config)
    except BaseException:
        run_dir.release()
        raise


def _start(run_dir: RunDir, items: list[WorkItem], config: RunConfig) -> OpenedRun:
    manifest = build_manifest(run_dir.run_id, items, config)
    run_dir.write_manifest(manifest)
    update_latest(config.report_dir, run_dir.path)
    events = EventLog(run_dir.file(EVENTS), config.fsync_interval_s)
    events.emit("run_started", {"run_id": run_dir.run_id, "planned": len(items)})
    return OpenedRun(run_dir, config, items, events, manifest, pending=list(items))


def _claim(config: RunConfig) -> RunDir:
    """Lock the run being resumed before reading what is done: a second writer would record every trial twice."""
    path = resolve_run_dir(str(config.resume), config.report_dir)
    try:
        return RunDir.claim(path)
    except RunLocked as err:
        raise ResumeError(f"cannot resume: {err}; let it end first") from None
    except OSError as err:  # e.g. a read-only copy of a run: nothing could be written into it anyway
        raise ResumeError(f"cannot resume {path}: cannot lock it for writing ({err.strerror})") from None


def _reopen(items: list[WorkItem], config: RunConfig) -> OpenedRun:
    return _holding(_claim(config), _reopen_claimed, items, config)


def _reopen_claimed(run_dir: RunDir, items: list[WorkItem], config: RunConfig) -> OpenedRun:
    manifest = run_dir.read_manifest()
    check_unchanged(manifest, items, run_dir.path)
    state = load_state(run_dir)
    fixed = repair(run_dir, state, {i.key for i in items})
    kept = {key: _kept_result(key, rows) for key, rows in fixed.kept.items()}
    if fixed.note():
        log.warning("resuming %s: %s", run_dir.path, fixed.note())
    manifest.update(status="running", status_reason=None, ended_at=None)
    manifest.setdefault("resumed_at", []).append(utc_now())
    run_dir.write_manifest(manifest)
    events = EventLog(run_dir.file(EVENTS), config.fsync_interval_s)
    events.emit("run_started", {"run_id": run_dir.run_id, "planned": len(items), "resumed": True, "kept": len(kept),
                                "rebuilt": len(fixed.rebuilt), "rerun": len(fixed.rerun)})
    transcripts = {k: v for k, v in state.transcripts.items() if k not in kept}
    logged = kept.keys() | transcripts.keys() | set(fixed.rerun)
    transcripts.update(_complete_transcripts_on_disk(run_dir, items, logged))
    pending = sorted((i for i in items if i.key not in kept), key=lambda i: i.key not in transcripts)
    judged = {k: v for k, v in state.judged.items() if k in transcripts and k not in kept}
    return OpenedRun(run_dir, config, items, events, manifest, pending, kept, transcripts, judged)


def _kept_result(key: str, rows: TrialRows) -> ItemResult:
    """A trial decided before this invocation, handed to the caller as if just run."""
    return ItemResult(key, key.rsplit("#", 1)[0], "done", resumed=True, trial_json=dump_line(rows.trial or {}),
                      results_json="".join(dump_line(r) for r in rows.results))


def _complete_transcripts_on_disk(run_dir: RunDir, items: list[WorkItem], skip: set[str]) -> dict[str, str]:
    """Transcripts are written atomically before `session_ended`; one on disk is a finished, paid-for session.

    Only for trials the log has no transcript of: one the log names but that no longer matches is in `skip`.
    """
    found: dict[str, str] = {}
    for item in items:
        rel = run_dir.transcript_relpath(item.file_stem)
        if item.key not in skip and (run_dir.path / rel).exists():
            found[item.key] = rel
    return found


__all__ = ["OpenedRun", "ResumeError", "open_run"]
