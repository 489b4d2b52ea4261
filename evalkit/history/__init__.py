"""evalkit.history: every run recorded in a database (SQLite by default, PostgreSQL when shared).

    record_run(url, run_dir, verdict="pass")        # at a run's end: never raises, returns a warning line or None
    record_dir(url, run_dir)                        # one run directory (raises): `evalkit history import`
    frames = load_frames(url, suite="support", branch="main")   # runs and trials as DataFrames

Names load on first use: the pytest plugin reads `evalkit.history.target` at start-up without paying
for SQLAlchemy, pandas or the run engine.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "HistoryError": "evalkit.history.engine",
    "HistoryFrames": "evalkit.history.frames",
    "load_frames": "evalkit.history.frames",
    "Recorded": "evalkit.history.record",
    "record_dir": "evalkit.history.record",
    "record_run": "evalkit.history.record",
    "history_url": "evalkit.history.target",
    "HistoryConfigError": "evalkit.history.target",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'evalkit.history' has no attribute {name!r}")
