"""Processes that open a new SQLite history at the same moment all get a connection.

The first connection switches the file to WAL; SQLite refuses a racing switch at once with "database is locked"
(it does not wait out busy_timeout there), which failed one of four processes recording into a fresh
reports/history.db (tests/history/test_concurrency.py saw it under load). Connections opened beforehand race
the switch from threads, many times over: the bare pragma lost about one race in ten here.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from evalkit.history.engine import enable_wal, open_engine

RACES, RACERS = 100, 6


def _race(db: Path, switch: Callable[[sqlite3.Cursor], object]) -> list[str]:
    sqlite3.connect(db).execute("CREATE TABLE t (x)").connection.close()  # a file in the default journal mode
    connections = [sqlite3.connect(db, isolation_level=None, timeout=5, check_same_thread=False) for _ in range(RACERS)]
    barrier, errors = threading.Barrier(RACERS), []

    def run(connection: sqlite3.Connection) -> None:
        barrier.wait()
        try:
            switch(connection.cursor())
        except sqlite3.OperationalError as err:
            errors.append(str(err))

    threads = [threading.Thread(target=run, args=(c,)) for c in connections]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for connection in connections:
        connection.close()
    return errors


def _lost(tmp_path: Path, switch: Callable[[sqlite3.Cursor], object]) -> dict[int, list[str]]:
    return {n: errors for n in range(RACES) if (errors := _race(tmp_path / f"race{n}.db", switch))}


def test_connections_racing_to_switch_a_new_database_to_wal_all_succeed(tmp_path: Path) -> None:
    assert _lost(tmp_path, lambda cursor: enable_wal(cursor, wait_s=5)) == {}
    assert sqlite3.connect(tmp_path / "race0.db").execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_the_engine_opens_history_files_in_wal(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'h.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()
