"""Recording a run into history at its end, and backfilling run directories (`evalkit history import`).

`record_run` is what the pytest plugin and `evalkit run` call: it never raises, and a problem comes
back as one warning line with any database password hidden, so history can never fail or crash a run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evalkit.history.capture import RunPlace, capture_place
from evalkit.history.engine import HistoryError, open_engine, shown
from evalkit.history.migrate import upgrade
from evalkit.history.rows import run_rows
from evalkit.history.store import write_run
from evalkit.history.verdict import decide_verdict
from evalkit.run import load_run
from evalkit.security import redact

_attempted: set[Path] = set()  # run directories this process recorded or tried to (`evalkit run` leaves them)


@dataclass(frozen=True)
class Recorded:
    """One run written to history."""

    run_id: str
    status: str
    sessions: int
    verdict: str | None


def record_dir(url: str, run_dir: Path, *, verdict: str | None = None, place: RunPlace | None = None) -> Recorded:
    """Write one run directory into the database at `url` (raises HistoryError or the driver's error).

    `verdict`: the decided outcome when the caller has it (the plugin); else it is decided from the rows.
    `place`: branch, dirty flag and CI job; None reads nothing beyond run.json (a backfill of old runs).
    """
    loaded = load_run(run_dir)
    rows = run_rows(loaded, place or RunPlace(), verdict if verdict is not None else decide_verdict(loaded))
    engine = open_engine(url)
    try:
        upgrade(engine)
        write_run(engine, rows)
    finally:
        engine.dispose()
    return Recorded(loaded.run_id, rows.run["status"], rows.run["sessions"], rows.run["verdict"])


def record_run(url: str, run_dir: Path, *, verdict: str | None = None, project_root: Path | None = None) -> str | None:
    """Record a run that just ended; returns None, or one warning line when it could not be recorded."""
    _attempted.add(Path(run_dir).resolve())
    try:
        place = capture_place(project_root or Path.cwd())
        record_dir(url, Path(run_dir), verdict=verdict, place=place)
    except Exception as err:  # noqa: BLE001 - history must never fail the run it records
        return failure_line(url, err)
    return None


def failure_line(url: str, err: BaseException) -> str:
    """`evalkit: history not recorded (<url, password hidden>): <first line of the reason>`."""
    reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    if not isinstance(err, HistoryError):
        reason = f"{type(err).__name__}: {reason}"
    return redact(f"evalkit: history not recorded ({shown(url)}): {reason[:300]}")


def recorded_here(run_dir: Path) -> bool:
    """Whether this process already recorded `run_dir` at its end (or tried to and warned)."""
    return Path(run_dir).resolve() in _attempted


def record_if_missed(run_dir: Path, root: Path, report_dir: Path) -> str | None:
    """For `evalkit run`: record a run directory the plugin did not (it could not decide the run), into the
    project's configured database; None, or one warning line."""
    if recorded_here(run_dir):
        return None
    from evalkit.history.target import project_history_url

    try:
        url = project_history_url(root, report_dir)
    except Exception as err:  # noqa: BLE001 - the plugin already refused a bad setting at start
        return redact(f"evalkit: history not recorded: {err}")
    return None if url is None else record_run(url, run_dir, project_root=root)
