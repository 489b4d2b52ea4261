"""Deleting old run directories: `evalkit runs prune --keep N / --older-than 30d [--dry-run]`.

What is never deleted: the run `reports/latest` points at, and a run still being written (a
process holds its lock or a part's). The run's lock is held while it is deleted, so a
`--resume` starting meanwhile is refused instead of writing into a vanishing directory.
History rows (`evalkit history`) are not touched: their `report_path` then names a directory
that is gone, which the history's baseline code already refuses to use.
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from evalkit.run.inventory import STARTING_GRACE_S, RunInfo, parts_writer, scan_runs
from evalkit.run.latest import NEWEST
from evalkit.run.lock import RunLock, RunLocked

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")


@dataclass(frozen=True)
class PruneRule:
    """Which runs may go: beyond the `keep` newest, and/or started more than `older_than` ago (both: both must hold)."""

    keep: int | None = None
    older_than: timedelta | None = None
    dry_run: bool = False


@dataclass
class PruneResult:
    deleted: list[RunInfo] = field(default_factory=list)  # or, in a dry run, what would be
    kept: list[tuple[RunInfo, str]] = field(default_factory=list)  # a candidate left alone, and why (one line)
    failed: list[tuple[RunInfo, str]] = field(default_factory=list)

    @property
    def freed_bytes(self) -> int:
        return sum(r.size_bytes for r in self.deleted)


def parse_age(text: str) -> timedelta:
    """`30d`, `12h`, `2w`, `90m`, `45s` -> a timedelta; ValueError naming what was expected."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"expected a duration like 30d, 12h, 2w, 90m or 45s, got {text!r}")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


def candidates(runs: list[RunInfo], rule: PruneRule, now: float | None = None) -> list[RunInfo]:
    """The runs the rule selects (`runs` newest first), before anything protected is taken out."""
    now = time.time() if now is None else now
    chosen = runs[rule.keep :] if rule.keep is not None else list(runs)
    if rule.older_than is not None:
        cutoff = now - rule.older_than.total_seconds()
        chosen = [r for r in chosen if r.when < cutoff]
    return chosen


def prune(report_dir: Path, rule: PruneRule, now: float | None = None) -> PruneResult:
    """Delete (or, `dry_run`, only name) what `rule` selects under `report_dir`, except what must stay."""
    if rule.keep is None and rule.older_than is None:
        raise ValueError("say which runs to delete: --keep N, --older-than AGE, or both")
    result = PruneResult()
    for run in candidates(scan_runs(report_dir), rule, now):
        reason = _protected(run)
        if reason:
            result.kept.append((run, reason))
        elif rule.dry_run:
            result.deleted.append(run)
        else:
            _delete(run, result)
    _drop_dangling_newest(Path(report_dir))
    return result


def _protected(run: RunInfo) -> str | None:
    if run.latest:
        return "reports/latest points at it"
    if run.writer is not None:
        return run.writer
    if run.status == "unreadable" and time.time() - run.when < STARTING_GRACE_S:
        return "being created (no run.json yet)"
    return None


def _delete(run: RunInfo, result: PruneResult) -> None:
    """Delete under the run's lock; a writer that appeared since the scan keeps the run."""
    try:
        lock = RunLock.acquire(run.path)
    except RunLocked as err:
        result.kept.append((run, str(err)))
        return
    except OSError as err:
        result.failed.append((run, f"cannot lock it: {err.strerror or err}"))
        return
    try:
        writer = parts_writer(run.path)  # the run's own lock is ours now; its xdist parts have their own
        if writer:
            result.kept.append((run, writer))
            return
        shutil.rmtree(run.path)
        result.deleted.append(run)
    except OSError as err:
        result.failed.append((run, f"not fully deleted: {err.strerror or err}"))
    finally:
        lock.release()


def _drop_dangling_newest(report_dir: Path) -> None:
    """`.newest` naming a deleted run would only send `--resume latest` to `latest`: drop it."""
    newest = report_dir / NEWEST
    try:
        name = newest.read_text().strip()
    except OSError:
        return
    if not name or not (report_dir / name).is_dir():
        newest.unlink(missing_ok=True)
