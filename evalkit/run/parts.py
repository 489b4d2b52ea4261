"""A run written by several processes at once (pytest-xdist workers): one part each, folded into the run directory.

Each worker writes a complete run directory of its own, a *part*, inside the run
directory it belongs to: `<run>/.parts/<invocation>.<worker>.b<batch>/<run id>/`.
A part is locked by its writer like any run directory, so a part whose lock can
be taken has no writer left (it ended, or was killed: the kernel drops the lock).

`merge_parts` folds every such part into the run directory: transcripts moved,
event logs combined in time order, one trials row per trial (the one for the
transcript the log names last), the manifest recomputed. Every step is a union,
and a part is deleted only after everything of it is in the run directory, so a
merge cut short (killed) is completed by the next one. The caller holds the run
directory's lock: merges of one run never overlap.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.llm.limits import merge_snapshots
from evalkit.run.integrity import logged_decisions, row_key
from evalkit.run.lock import RunLock, RunLocked
from evalkit.run.manifest import totals, utc_now
from evalkit.run.run_dir import EVENTS, MANIFEST, RESULTS, TRANSCRIPTS, TRIALS, read_rows, write_atomic

PARTS = ".parts"
_BAD = {"failed": 3, "interrupted": 2, "budget_stopped": 1}


def part_name(invocation: str, worker: str, batch: int) -> str:
    """`<invocation>.<worker>.b<batch>`: sorts by invocation (a time-ordered token), then worker and batch."""
    return f"{invocation}.{worker}.b{batch}"


def part_report_dir(run_path: Path, name: str) -> Path:
    """The directory a part's `RunDir.create(report_dir, run_id)` goes into."""
    return Path(run_path) / PARTS / name


def part_paths(run_path: Path) -> list[Path]:
    """Every part of the run, finished or not, oldest first (a trial run again later then wins its transcript)."""
    root = Path(run_path) / PARTS
    if not root.is_dir():
        return []
    found = [p / Path(run_path).name for p in root.iterdir() if (p / Path(run_path).name).is_dir()]
    return sorted(found, key=lambda p: (_first_ts(p), p.parent.name))


def _first_ts(part: Path) -> float:
    """When the part's writer started (its log's first event); a part without a log sorts first."""
    try:
        with open(part / EVENTS, "rb") as fh:
            return float(json.loads(fh.readline()).get("ts") or 0)
    except (OSError, ValueError, AttributeError, TypeError):
        return 0.0


@dataclass
class Merged:
    """What a merge did: parts folded in, and parts still being written (pid lines, for a one-line refusal)."""

    merged: list[str] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)  # one line each: "<part> is being written by ... (pid N)"


@dataclass
class _Part:
    path: Path
    lock: RunLock | None
    manifest: dict[str, Any] | None

    @property
    def invocation(self) -> str:
        return self.path.parent.name.split(".", 1)[0]


def merge_parts(run_path: Path, wait_s: float = 0.0) -> Merged:
    """Fold every part without a writer into the run directory (the caller holds its lock).

    Waits up to `wait_s` for a part's writer to end (a worker being torn down); parts still
    locked after that are left in place and named in `busy`.
    """
    run_path = Path(run_path)
    result = Merged()
    parts: list[_Part] = []
    for path in part_paths(run_path):
        if _being_created(path):
            continue
        try:
            lock = RunLock.acquire(path, wait_s=wait_s)
        except RunLocked as err:
            result.busy.append(str(err))
            continue
        except OSError:  # the part's directory went away (merged by someone else before we looked)
            continue
        parts.append(_Part(path, lock, _read_json(path / MANIFEST)))
    try:
        if parts:
            _fold(run_path, parts)
            result.merged = [str(p.path) for p in parts]
    finally:
        for part in parts:
            if part.lock is not None:
                part.lock.release()
    for part in parts:
        shutil.rmtree(part.path.parent, ignore_errors=True)
    try:
        (run_path / PARTS).rmdir()
    except OSError:
        pass
    return result


def reopen_for_parts(run_path: Path) -> Merged:
    """Resume the run as parts (under -n N): merge its leftover parts, then note the resume in run.json.

    Call with the run's lock held; when a part is still being written nothing is noted (the resume is refused).
    The status stays as it was until the parts of this resume are merged (it may have nothing to run).
    """
    merged = merge_parts(run_path)
    manifest = _read_json(Path(run_path) / MANIFEST)
    if not merged.busy and manifest is not None and not manifest.get("provisional"):
        manifest.setdefault("resumed_at", []).append(utc_now())
        write_atomic(Path(run_path) / MANIFEST, json.dumps(manifest, indent=2, default=str).encode())
    return merged


def _being_created(part: Path, grace_s: float = 60.0) -> bool:
    """A part without run.json yet may be between its mkdir and its writer's lock: leave it (unless long dead)."""
    try:
        return not (part / MANIFEST).exists() and time.time() - part.stat().st_mtime < grace_s
    except OSError:
        return True


def _fold(run_path: Path, parts: list[_Part]) -> None:
    (run_path / TRANSCRIPTS).mkdir(parents=True, exist_ok=True)
    for part in parts:  # oldest first: a trial run again later leaves its later transcript
        for transcript in sorted((part.path / TRANSCRIPTS).glob("*.json")):
            if not transcript.name.startswith("."):
                os.replace(transcript, run_path / TRANSCRIPTS / transcript.name)
    sources = [run_path] + [p.path for p in parts]
    _write_lines(run_path / EVENTS, _merged_events(sources))
    decided = logged_decisions(run_path / EVENTS)
    trials = _pick_trials(sources, decided)
    _write_lines(run_path / RESULTS, _pick_results(sources, trials))
    _write_lines(run_path / TRIALS, [_line(r) for r in trials.values()])
    manifest = _merged_manifest(run_path, parts, list(trials.values()))
    write_atomic(run_path / MANIFEST, json.dumps(manifest, indent=2, default=str).encode())
    # `latest` is not moved here: the merging controller publishes the run once its report is written


def _merged_events(sources: list[Path]) -> list[str]:
    """Every event line of every source once, in time order (a torn line is dropped)."""
    seen: set[str] = set()
    events: list[tuple[float, int, str]] = []
    for source in sources:
        path = source / EVENTS
        if not path.exists():
            continue
        for raw in path.read_bytes().splitlines():
            line = raw.decode(errors="replace").strip()
            if not line or line in seen:
                continue
            try:
                ts = float(json.loads(line).get("ts") or 0)
            except (ValueError, AttributeError, TypeError):
                continue
            seen.add(line)
            events.append((ts, len(events), line))
    return [line for _, _, line in sorted(events)]


def _pick_trials(sources: list[Path], decided: dict[str, str | None]) -> dict[str, dict[str, Any]]:
    """One trials row per trial: the latest one for the transcript the log names last (any latest one otherwise)."""
    chosen: dict[str, dict[str, Any]] = {}
    for source in sources:
        for row in read_rows(source / TRIALS):
            key = row_key(row)
            digest = decided.get(key)
            held = chosen.get(key)
            if (
                held is None
                or digest is None
                or row.get("transcript_hash") == digest
                or held.get("transcript_hash") != digest
            ):
                chosen[key] = row
    return chosen


def _pick_results(sources: list[Path], trials: dict[str, dict[str, Any]]) -> list[str]:
    """The criterion rows of the chosen trials rows (same transcript), each criterion once."""
    picked: dict[tuple[str, str, str], str] = {}
    for source in sources:
        for row in read_rows(source / RESULTS):
            key = row_key(row)
            trial = trials.get(key)
            if trial is None or row.get("transcript_hash") != trial.get("transcript_hash"):
                continue
            picked.setdefault((key, str(row.get("rubric_ref", "")), str(row.get("criterion_id", ""))), _line(row))
    return list(picked.values())


def _merged_manifest(run_path: Path, parts: list[_Part], trials: list[dict[str, Any]]) -> dict[str, Any]:
    """run.json after the merge: the run's own (when it has a final one) updated from its parts."""
    own = _read_json(run_path / MANIFEST)
    if own is not None and own.get("provisional"):
        own = None
    manifests = [p.manifest for p in parts if p.manifest is not None]
    merged: dict[str, Any] = dict(own or (manifests[0] if manifests else {"run_id": run_path.name}))
    merged.pop("provisional", None)
    merged.pop("part", None)
    config = dict(merged.get("config") or {})
    config.pop("part_of", None)
    config.update(report_dir=str(run_path.parent), run_id=run_path.name)
    merged["config"] = config
    every = ([own] if own else []) + manifests
    merged["suites"] = _union_suites(every)
    merged["rubrics"] = _union_by(every, "rubrics", "ref")
    merged["models"] = _union_models(every)
    merged["started_at"] = min((str(m.get("started_at")) for m in every if m.get("started_at")), default=utc_now())
    last = max(p.invocation for p in parts)
    latest = [p for p in parts if p.invocation == last]
    planned = max(
        int((own or {}).get("planned_sessions") or 0),
        sum(int((p.manifest or {}).get("planned_sessions") or 0) for p in latest),
    )
    merged["planned_sessions"] = planned
    merged["status"], merged["status_reason"] = _status(latest, len(trials), planned)
    merged["ended_at"] = utc_now()
    merged["totals"] = totals(trials)
    merged["endpoints"] = merge_snapshots([(p.manifest or {}).get("endpoints") or [] for p in latest])
    merged["workers"] = len({p.path.parent.name.split(".")[1] for p in latest if "." in p.path.parent.name})
    return merged


def _status(latest: list[_Part], decided: int, planned: int) -> tuple[str, str | None]:
    """Complete when every planned trial is decided; else the worst way a part of the last invocation ended."""
    if decided >= planned:
        return "complete", None
    worst, reason = "interrupted", f"{planned - decided} of {planned} planned trials not decided"
    rank = 0
    for part in latest:
        m = part.manifest or {}
        status = m.get("status") or "running"
        if _BAD.get(status, 0) > rank:
            rank, worst, reason = _BAD[status], status, m.get("status_reason") or reason
    return worst, reason


def _union_suites(manifests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    suites: dict[str, dict[str, Any]] = {}
    for m in manifests:
        for s in m.get("suites", []):
            entry = suites.setdefault(str(s.get("path")), dict(s))
            if entry is not s:
                entry["scenarios"] = sorted(set(entry.get("scenarios", [])) | set(s.get("scenarios", [])))
                entry["tiers"] = sorted(set(entry.get("tiers", [])) | set(s.get("tiers", [])))
    return list(suites.values())


def _union_by(manifests: list[dict[str, Any]], name: str, key: str) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for m in manifests:
        for entry in m.get(name, []):
            found.setdefault(str(entry.get(key)), entry)
    return [found[k] for k in sorted(found)]


def _union_models(manifests: list[dict[str, Any]]) -> dict[str, list[str]]:
    models: dict[str, set[str]] = {}
    for m in manifests:
        for role, names in (m.get("models") or {}).items():
            models.setdefault(role, set()).update(names)
    return {role: sorted(names) for role, names in models.items()}


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _line(row: dict[str, Any]) -> str:
    return json.dumps(row, separators=(",", ":"), default=str)


def _write_lines(path: Path, lines: list[str]) -> None:
    write_atomic(path, "".join(line + "\n" for line in lines).encode())
