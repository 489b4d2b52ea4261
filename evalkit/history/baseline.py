"""Baselines from history: `last-green:<branch>` names the newest recorded run on that branch that passed.

    --evalkit-baseline last-green:main          evalkit compare last-green:main reports/latest

A run qualifies when it completed, its decided verdict is `pass`, its instrument (rubric fingerprints,
judge, simulator: `instrument_of`) equals the current run's, and its run directory still exists. A
baseline measured by another instrument would turn a rubric edit into a "regression", so none is
guessed: when no run qualifies, `BaselineError` says which runs were considered and why each was not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PREFIX = "last-green:"
SHOWN = 5  # rejected runs named in a refusal (newest first); the rest are counted


class BaselineError(Exception):
    """No run qualifies as the baseline; the message is one line with the reasons."""


@dataclass(frozen=True)
class Candidate:
    """A recorded run as the baseline search reads it."""

    run_id: str
    status: str
    verdict: str | None
    instrument: str | None
    run_dir: str | None


def is_history_ref(text: str) -> bool:
    """True for `last-green:<branch>` (a run directory is never named so: `:` is not in run ids)."""
    return str(text).startswith(PREFIX)


def branch_of(ref: str) -> str:
    branch = str(ref)[len(PREFIX) :].strip()
    if not branch:
        raise BaselineError(f"{ref}: expected last-green:<branch>, e.g. last-green:main")
    return branch


def instrument_of_manifest(manifest: dict[str, Any]) -> str:
    """The instrument of a run from its run.json, computed as the history rows compute it."""
    from evalkit.history.rows import instrument_of

    rubrics = [{"ref": r.get("ref"), "fingerprint": r.get("fingerprint")} for r in manifest.get("rubrics") or []]
    models = manifest.get("models") or {}
    return instrument_of(rubrics, models.get("judge") or [], models.get("simulator") or [])


def instrument_of_run(path: str | Path) -> str:
    """The instrument of the run directory at `path` (a directory, a reports directory or `latest`)."""
    from evalkit.run.run_dir import MANIFEST, resolve_run_dir

    try:
        run_dir = resolve_run_dir(path)
        return instrument_of_manifest(json.loads((run_dir / MANIFEST).read_text(encoding="utf-8")))
    except (OSError, ValueError) as err:
        raise BaselineError(
            f"{path}: cannot read its run.json to match a baseline: {str(err).splitlines()[0]}"
        ) from None


def planned_instrument(items: list[Any], config: Any) -> str:
    """The instrument of a run about to start (its work items and config), as its run.json will record it."""
    from evalkit.run.manifest import build_manifest

    return instrument_of_manifest(build_manifest("planned", items, config))


def chosen_baseline(run_dir: Path | None) -> Path | None:
    """The baseline a run recorded in its run.json (`config.baseline`), if any."""
    if run_dir is None:
        return None
    try:
        recorded = (json.loads((Path(run_dir) / "run.json").read_text(encoding="utf-8")).get("config") or {}).get(
            "baseline"
        )
    except (OSError, ValueError, TypeError, AttributeError):
        return None
    return Path(recorded) if isinstance(recorded, str) else None


def last_green(url: str | None, ref: str, instrument: str) -> Path:
    """The run directory of the newest qualifying run on `ref`'s branch, or BaselineError saying why none is."""
    branch = branch_of(ref)
    if url is None:
        raise BaselineError(
            f"{ref}: history is off ([tool.evalkit] history / EVALKIT_HISTORY_URL), "
            "so there are no recorded runs to choose from"
        )
    candidates = _read(url, branch, ref)
    rejected: list[str] = []
    for c in candidates:
        reason = rejection(c, instrument)
        if reason is None:
            return Path(str(c.run_dir)).resolve()
        rejected.append(f"{c.run_id} ({reason})")
    if not candidates:
        raise BaselineError(f"{ref}: no run recorded on branch {branch!r}")
    more = f", and {len(rejected) - SHOWN} older" if len(rejected) > SHOWN else ""
    raise BaselineError(
        f"{ref}: none of the {len(candidates)} runs on branch {branch!r} qualifies: {'; '.join(rejected[:SHOWN])}{more}"
    )


def rejection(c: Candidate, instrument: str) -> str | None:
    """Why `c` cannot be the baseline (None when it can); checked in the order a user would fix them."""
    if c.status != "complete":
        return f"status {c.status}"
    if c.verdict != "pass":
        return f"verdict {c.verdict or 'not decided'}"
    if c.instrument != instrument:
        return f"other instrument: {_difference(c.instrument or '', instrument)}"
    if not c.run_dir or not (Path(c.run_dir) / "run.json").is_file():
        return f"run directory gone: {c.run_dir}"
    return None


def _difference(theirs: str, ours: str) -> str:
    """Which parts of the instrument differ, e.g. `rubrics=support.resolution@2#ab12 (this run: ...@3#cd34)`."""
    mine = dict(p.split("=", 1) for p in ours.split(";") if "=" in p)
    parts = [p for p in theirs.split(";") if "=" in p]
    diffs = [
        f"{p} (this run: {mine.get(p.split('=', 1)[0], '')})"
        for p in parts
        if p.split("=", 1)[1] != mine.get(p.split("=", 1)[0])
    ]
    return ", ".join(diffs) or "not recorded"


def _read(url: str, branch: str, ref: str) -> list[Candidate]:
    from sqlalchemy.exc import SQLAlchemyError

    from evalkit.history.engine import HistoryError, shown

    try:
        return _candidates(url, branch)
    except HistoryError as err:
        raise BaselineError(f"{ref}: {err}") from None
    except SQLAlchemyError as err:
        raise BaselineError(
            f"{ref}: cannot read the history database {shown(url)}: {str(err).splitlines()[0]}"
        ) from None


def _candidates(url: str, branch: str) -> list[Candidate]:
    """Runs on `branch`, newest first (started_at, then run id)."""
    from sqlalchemy import select

    from evalkit.history.engine import READONLY, open_engine
    from evalkit.history.migrate import upgrade
    from evalkit.history.schema import runs

    engine = open_engine(url)
    try:
        upgrade(engine)  # an older evalkit's database is upgraded, as every reader does
        cols = (runs.c.run_id, runs.c.status, runs.c.verdict, runs.c.instrument, runs.c.run_dir)
        stmt = select(*cols).where(runs.c.branch == branch).order_by(runs.c.started_at.desc(), runs.c.run_id.desc())
        with engine.connect().execution_options(**{READONLY: True}) as conn:
            return [Candidate(*row) for row in conn.execute(stmt)]
    finally:
        engine.dispose()
