"""What a reports directory holds: one `RunInfo` per run directory, newest first.

Read for `evalkit runs list` and `evalkit runs prune`. Only the manifest, the lock and file sizes
are read here (cheap for hundreds of runs); the verdict, which needs every row, is the caller's.
A run is marked when it did not complete: interrupted, budget-stopped, failed, crashed (its
run.json still says running but no process holds its lock) or still being written (a process
holds the lock of the run or of one of its pytest-xdist parts).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evalkit.run import lock as _lock
from evalkit.run.lock import LOCK, RunLock, RunLocked
from evalkit.run.run_dir import LATEST, MANIFEST

RUN_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{6}$")  # new_run_id()'s form: a directory without run.json yet
REPORT = "report.html"
LOCKS_WORK = _lock.fcntl is not None  # without file locks (Windows) a writer cannot be told from a crash
STARTING_GRACE_S = 60.0  # a run directory without run.json this young may be between its mkdir and its lock


@dataclass
class RunInfo:
    """One run directory as `evalkit runs list` shows it."""

    run_id: str
    path: Path
    started_at: datetime | None
    status: str  # run.json's (complete, interrupted, budget_stopped, failed), or running / crashed / unreadable
    suites: list[str] = field(default_factory=list)
    tiers: list[str] = field(default_factory=list)
    cost_usd: float | None = None  # the total, when every part of it is known
    cost_known_usd: float = 0.0  # the sum of the parts that are known
    offline: bool = False  # costs are list-price estimates of calls nobody paid for
    size_bytes: int = 0
    has_report: bool = False
    latest: bool = False  # reports/latest points at it
    writer: str | None = None  # one line naming the process writing it, when one is
    rejudged_from: str | None = None
    resumed: int = 0
    verdict: str | None = None  # filled by callers that decide it (it needs every row)

    @property
    def complete(self) -> bool:
        return self.status == "complete" and self.writer is None

    @property
    def when(self) -> float:
        """Seconds since the epoch the run started (its directory's mtime when run.json does not say)."""
        if self.started_at is not None:
            return self.started_at.timestamp()
        try:
            return self.path.stat().st_mtime
        except OSError:
            return 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "path": str(self.path),
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "status": self.status,
            "complete": self.complete,
            "being_written": self.writer is not None,
            "writer": self.writer,
            "suites": self.suites,
            "tiers": self.tiers,
            "verdict": self.verdict,
            "cost_usd": self.cost_usd,
            "cost_known_usd": self.cost_known_usd,
            "cost_is_estimate": self.offline,
            "size_bytes": self.size_bytes,
            "report": self.has_report,
            "latest": self.latest,
            "rejudged_from": self.rejudged_from,
            "resumed": self.resumed,
        }


def scan_runs(report_dir: Path) -> list[RunInfo]:
    """Every run directory directly under `report_dir`, newest first. Links (`latest`), dot-entries and
    directories that are not runs (no run.json, not named like one) are left out."""
    report_dir = Path(report_dir)
    if not report_dir.is_dir():
        return []
    latest = _latest_target(report_dir)
    runs = [read_run(p, latest) for p in sorted(report_dir.iterdir()) if _is_run_dir(p)]
    return sorted(runs, key=lambda r: (r.when, r.run_id), reverse=True)


def read_run(path: Path, latest: Path | None = None) -> RunInfo:
    """A RunInfo from run.json, the lock and the files (never raises for a damaged run: it reads `unreadable`)."""
    manifest = _manifest(path)
    info = RunInfo(run_id=path.name, path=path, started_at=None, status="unreadable")
    if manifest is not None:
        _fill(info, manifest)
    info.writer = writer_of(path)
    if info.status == "running" and info.writer is None and LOCKS_WORK:
        info.status = "crashed"  # run.json was never closed and nobody holds the lock
    info.size_bytes = tree_size(path)
    info.has_report = (path / REPORT).is_file()
    info.latest = latest is not None and path.resolve() == latest
    return info


def _fill(info: RunInfo, manifest: dict[str, Any]) -> None:
    info.run_id = str(manifest.get("run_id") or info.run_id)
    info.started_at = _parse_time(manifest.get("started_at"))
    info.status = str(manifest.get("status") or "unreadable")
    suites = [s for s in manifest.get("suites") or [] if isinstance(s, dict)]
    info.suites = [str(s.get("name") or Path(str(s.get("path", "?"))).stem) for s in suites]
    tiers = (manifest.get("models") or {}).get("agent") or [t for s in suites for t in s.get("tiers") or []]
    info.tiers = list(dict.fromkeys(str(t) for t in tiers if t))
    cost = (manifest.get("totals") or {}).get("cost_usd") or {}
    if isinstance(cost, dict):
        total = cost.get("total")
        info.cost_usd = float(total) if isinstance(total, (int, float)) else None
        parts = [v for k, v in cost.items() if k != "total" and isinstance(v, (int, float))]
        info.cost_known_usd = info.cost_usd if info.cost_usd is not None else float(sum(parts))
    info.offline = bool((manifest.get("config") or {}).get("offline"))
    info.rejudged_from = manifest.get("rejudged_from")
    info.resumed = len(manifest.get("resumed_at") or [])


def writer_of(path: Path) -> str | None:
    """The one-line holder of the run's lock or of a part's (pytest-xdist workers), or None when nobody writes it.

    Where file locks do not exist (Windows) nobody is ever seen writing.
    """
    return _holder([path / LOCK]) or parts_writer(path)


def parts_writer(path: Path) -> str | None:
    """The one-line holder of a lock of one of the run's pytest-xdist parts, or None."""
    return _holder(sorted(path.glob(f".parts/*/*/{LOCK}")))


def _holder(lock_files: list[Path]) -> str | None:
    for lock_file in lock_files:
        if not lock_file.is_file():
            continue
        try:
            RunLock.acquire(lock_file.parent).release()
        except RunLocked as err:
            return str(err)
        except OSError:  # unreadable or gone: nobody we could wait for
            continue
    return None


def tree_size(path: Path) -> int:
    """Bytes of every file below `path` (links are not followed)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue
    return total


def _is_run_dir(path: Path) -> bool:
    if path.name.startswith(".") or path.name == LATEST or path.is_symlink() or not path.is_dir():
        return False
    return (path / MANIFEST).is_file() or bool(RUN_ID.match(path.name))


def _latest_target(report_dir: Path) -> Path | None:
    link = report_dir / LATEST
    if link.is_symlink():
        return link.resolve()
    if link.is_file():
        return (report_dir / link.read_text().strip()).resolve()
    return None


def _manifest(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((path / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
