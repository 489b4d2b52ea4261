"""Connecting to the history database: SQLite (WAL, one writer at a time, waits instead of failing) or any
SQLAlchemy URL; a URL is only ever shown with its password hidden."""

from __future__ import annotations

import importlib.util
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from evalkit.security import redact, watch_value

READONLY = "evalkit_readonly"  # execution option: a read-only transaction (SQLite: no write lock taken)
CONNECT_TIMEOUT_S = 15  # an unreachable server delays the end of a run by this much, never hangs it
SQLITE_BUSY_MS = 60_000  # four CI jobs recording at once wait for each other; a minute is far more than one write


class HistoryError(Exception):
    """The history database cannot be used; the message is one line, with any password hidden."""


def parse_url(url: str | URL) -> URL:
    """The URL, with a password watched so no message or log line ever shows it, and the psycopg driver
    chosen for a bare `postgresql://` when psycopg2 is not installed (evalkit's postgres extra is psycopg 3)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise HistoryError(
            f"not a database URL: {shown(str(url))!r} (expected e.g. sqlite:///reports/history.db "
            "or postgresql+psycopg://user@host/db)"
        ) from None
    if parsed.password:
        watch_value(str(parsed.password))
    if parsed.drivername in ("postgresql", "postgres") and not _installed("psycopg2") and _installed("psycopg"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def shown(url: str | URL) -> str:
    """A URL as it may be printed: password hidden (and any other known secret redacted)."""
    try:
        return redact(make_url(url).render_as_string(hide_password=True))
    except ArgumentError:
        return redact(str(url).split("@")[-1])


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def open_engine(url: str | URL) -> Engine:
    """An engine for `url`; for SQLite the database's folder is created and every write transaction takes
    the write lock when it begins (BEGIN IMMEDIATE), so concurrent writers queue instead of deadlocking."""
    parsed = parse_url(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            return _sqlite_engine(parsed)
        connect_args = {} if "connect_timeout" in parsed.query else {"connect_timeout": CONNECT_TIMEOUT_S}
        return create_engine(
            parsed, pool_pre_ping=True, connect_args=connect_args if parsed.get_backend_name() == "postgresql" else {}
        )
    except ModuleNotFoundError as err:
        hint = " (pip install 'evalkit[postgres]')" if parsed.get_backend_name() == "postgresql" else ""
        raise HistoryError(f"no database driver for {shown(parsed)}: {err}{hint}") from None
    except ArgumentError as err:
        raise HistoryError(f"{shown(parsed)}: {redact(str(err))}") from None


def _sqlite_engine(url: URL) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_MS / 1000})

    @event.listens_for(engine, "connect")
    def _connect(dbapi: Any, _record: Any) -> None:
        dbapi.isolation_level = None  # transactions are begun below, not by the driver
        cursor = dbapi.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")
        enable_wal(cursor)
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        readonly = conn.get_execution_options().get(READONLY, False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine


def enable_wal(cursor: Any, wait_s: float = SQLITE_BUSY_MS / 1000) -> None:
    """Switch the database to WAL (a property of the file: the first connection's switch holds for all).

    Processes opening a new database at once race to switch it. SQLite refuses the loser at once with
    "database is locked" instead of waiting out busy_timeout (waiting could deadlock), so the switch is
    tried again until `wait_s`; by then the winner has switched and the retry is a no-op."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)
