"""Opening a run directory (new or resumed) and closing it with its final status."""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from evalkit.run.config import RunConfig
from evalkit.run.events import EventLog
from evalkit.run.integrity import TrialRows
from evalkit.run.keys import item_of
from evalkit.run.latest import mark_started, publish_latest
from evalkit.run.lock import RunLocked
from evalkit.run.manifest import build_manifest, totals, utc_now
from evalkit.run.outcome import ItemResult, RunStatus, RunSummary
from evalkit.run.parts import merge_parts
from evalkit.run.plan import WorkItem
from evalkit.run.resume import ResumeError, check_unchanged, classify, load_state, repair, resolve_resume
from evalkit.run.run_dir import (
    EVENTS,
    MANIFEST,
    RESULTS,
    TRIALS,
    RunDir,
    dump_line,
    read_rows,
    resolve_run_dir,
    write_atomic,
)
from evalkit.run.tier_compat import upgrade_in_place

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
        if status == "complete" and self.config.publish_latest and not self.config.part_of:
            publish_latest(self.dir.path)  # last: `latest` never points at a run still being written

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
    """Create the run directory, or reopen the one being resumed after checking nothing changed since.

    With `config.part_of`, create one part of that run instead (see `evalkit.run.parts`).
    """
    if config.part_of:
        return _open_part(items, resolve_resume(config))
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
    mark_started(run_dir.path)  # what `--resume latest` continues; `latest` moves when the run completes
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
    _merge_leftover_parts(run_dir)
    _upgrade_old_form(run_dir.path)
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
    events.emit(
        "run_started",
        {
            "run_id": run_dir.run_id,
            "planned": len(items),
            "resumed": True,
            "kept": len(kept),
            "rebuilt": len(fixed.rebuilt),
            "rerun": len(fixed.rerun),
        },
    )
    transcripts = {k: v for k, v in state.transcripts.items() if k not in kept}
    logged = kept.keys() | transcripts.keys() | set(fixed.rerun)
    transcripts.update(_complete_transcripts_on_disk(run_dir, items, logged))
    pending = sorted((i for i in items if i.key not in kept), key=lambda i: i.key not in transcripts)
    judged = {k: v for k, v in state.judged.items() if k in transcripts and k not in kept}
    return OpenedRun(run_dir, config, items, events, manifest, pending, kept, transcripts, judged)


def _merge_leftover_parts(run_dir: RunDir) -> None:
    """Parts of the run that were never merged (its xdist controller was killed) join it before anything is read."""
    merged = merge_parts(run_dir.path)
    if merged.busy:
        raise ResumeError(f"cannot resume: {merged.busy[0]}; let it end first")
    if merged.merged:
        log.warning("resuming %s: merged %d unmerged worker parts first", run_dir.path, len(merged.merged))


def _upgrade_old_form(path: Path) -> None:
    """A run written while tiers were short names is rewritten with full ones before anything is appended."""
    aliases = upgrade_in_place(path)
    if aliases:
        log.warning(
            "resuming %s: tiers renamed to their full names (%s)",
            path,
            ", ".join(f"{a} -> {b}" for a, b in aliases.items()),
        )


def _open_part(items: list[WorkItem], config: RunConfig) -> OpenedRun:
    """One part of the run at `config.part_of`: its decided trials are kept, its finished transcripts reused.

    The run directory is only read here: its lock belongs to whoever merges the parts (the xdist controller).
    """
    main = RunDir(Path(str(config.part_of)))
    stored = _read_manifest(main)
    if stored is not None and not stored.get("provisional"):
        check_unchanged(stored, items, main.path)
    planned = {i.key for i in items}
    state = load_state(main)
    fixed = classify(main, state, planned, read_rows(main.file(TRIALS)), read_rows(main.file(RESULTS)))
    kept = {key: _kept_result(key, rows) for key, rows in fixed.kept.items()}
    transcripts = {k: v for k, v in state.transcripts.items() if k in planned and k not in kept}
    transcripts.update(_complete_transcripts_on_disk(main, items, kept.keys() | transcripts.keys() | set(fixed.rerun)))
    judged = {k: v for k, v in state.judged.items() if k in transcripts}
    part = RunDir.create(config.report_dir, main.run_id)
    start = partial(_start_part, main=main, kept=kept, transcripts=transcripts, judged=judged)
    return _holding(part, start, items, config)


def _start_part(
    part: RunDir,
    items: list[WorkItem],
    config: RunConfig,
    *,
    main: RunDir,
    kept: dict[str, ItemResult],
    transcripts: dict[str, str],
    judged: dict[str, dict[str, Any]],
) -> OpenedRun:
    manifest = build_manifest(part.run_id, items, config)
    manifest["part"] = part.path.parent.name
    part.write_manifest(manifest)
    transcripts = {k: rel for k, rel in transcripts.items() if _link(main.path / rel, part.path / rel)}
    if not main.file(MANIFEST).exists():  # so `latest` and `--resume` find the run before its first merge
        write_atomic(main.file(MANIFEST), json.dumps({**manifest, "provisional": True}, indent=2, default=str).encode())
    mark_started(main.path)
    events = EventLog(part.file(EVENTS), config.fsync_interval_s)
    events.emit(
        "run_started",
        {
            "run_id": part.run_id,
            "planned": len(items),
            "part": manifest["part"],
            "kept": len(kept),
            "reused_transcripts": len(transcripts),
        },
    )
    pending = sorted((i for i in items if i.key not in kept), key=lambda i: i.key not in transcripts)
    judged = {k: v for k, v in judged.items() if k in transcripts}
    return OpenedRun(part, config, items, events, manifest, pending, kept, transcripts, judged)


def _read_manifest(run_dir: RunDir) -> dict[str, Any] | None:
    if not run_dir.file(MANIFEST).exists():
        return None
    try:
        return run_dir.read_manifest()
    except ValueError as err:
        raise ResumeError(f"cannot continue run {run_dir.path}: {err}") from None


def _link(source: Path, target: Path) -> bool:
    """Make a finished transcript of the run readable in a part (hard link; a copy where links fail)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except FileExistsError:
        pass
    except OSError:
        try:
            shutil.copyfile(source, target)
        except OSError:
            return False
    return True


def _kept_result(key: str, rows: TrialRows) -> ItemResult:
    """A trial decided before this invocation, handed to the caller as if just run."""
    return ItemResult(
        key,
        item_of(key),
        "done",
        resumed=True,
        trial_json=dump_line(rows.trial or {}),
        results_json="".join(dump_line(r) for r in rows.results),
    )


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
