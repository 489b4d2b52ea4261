"""When `reports/latest` moves, and which run `--resume latest` continues.

`latest` is what people open (`reports/latest/report.html`, `evalkit report`, `evalkit compare ...
reports/latest`), so it only ever points at a run that completed and, where a report is written,
after that report is: a run that is interrupted, crashes or is still being written never takes it.
The move is an atomic rename of a link written aside (`run_dir.point_link`).

`--resume latest` wants the opposite: the run started last, finished or not. That one is named
in `reports/.newest`, a text file (not a link: a `reports/*/trials.jsonl` glob must not see the run
twice) written atomically when a run starts.
"""

from __future__ import annotations

import json
from pathlib import Path

from evalkit.run.run_dir import LATEST, MANIFEST, point_link, resolve_run_dir, write_atomic

NEWEST = ".newest"  # the run started last: what `--resume latest` continues
COMPLETE = "complete"
REPORT = "report.html"


def mark_started(run_dir: Path) -> None:
    """Note `run_dir` as the run started last in its reports directory."""
    write_atomic(run_dir.parent / NEWEST, (run_dir.name + "\n").encode())


def publish_latest(run_dir: Path, *, with_report: bool = False) -> bool:
    """Point `latest` at `run_dir` when its run.json says it completed (and, `with_report`, report.html is there).

    Returns whether it moved. An interrupted, budget-stopped or unreadable run leaves `latest` where it was.
    """
    run_dir = Path(run_dir)
    if with_report and not (run_dir / REPORT).is_file():
        return False
    if _status(run_dir) != COMPLETE:
        return False
    point_link(run_dir.parent, LATEST, run_dir)
    return True


def resume_target(value: str | Path, report_dir: Path | None = None) -> Path:
    """The run directory `--resume VALUE` continues: for `latest`, the run started last (else `latest` itself)."""
    if str(value) == LATEST:
        newest = _newest(Path(report_dir or "reports"))
        if newest is not None:
            return newest
    return resolve_run_dir(value, report_dir)


def _newest(report_dir: Path) -> Path | None:
    try:
        name = (report_dir / NEWEST).read_text().strip()
    except OSError:
        return None
    target = report_dir / name
    return target.resolve() if name and (target / MANIFEST).is_file() else None


def _status(run_dir: Path) -> str | None:
    try:
        manifest = json.loads((run_dir / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return manifest.get("status") if isinstance(manifest, dict) else None
