"""evalkit.history: every run recorded in a database (SQLite by default, PostgreSQL when shared).

    record_run(url, run_dir, verdict="pass")        # at a run's end: never raises, returns a warning line or None
    record_dir(url, run_dir)                        # one run directory (raises): `evalkit history import`
    frames = load_frames(url, suite="support", branch="main")   # runs and trials as DataFrames
"""

from evalkit.history.engine import HistoryError
from evalkit.history.frames import HistoryFrames, load_frames
from evalkit.history.record import Recorded, record_dir, record_run

__all__ = ["HistoryError", "HistoryFrames", "Recorded", "load_frames", "record_dir", "record_run"]
