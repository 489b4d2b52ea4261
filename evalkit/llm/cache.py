"""Response cache in SQLite (WAL): safe across asyncio tasks, threads and processes.

Only the normalised request digest and the response are stored: never keys or headers, and secrets in
the response text are redacted (`evalkit.security`).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from pydantic import BaseModel

from evalkit.llm.types import ModelResponse
from evalkit.security import redact

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    role TEXT NOT NULL,
    created REAL NOT NULL,
    body TEXT NOT NULL
)
"""
_STORED_EXCLUDE = {"parsed", "cached", "cost_usd", "latency_s", "attempts"}


class CacheStats(BaseModel):
    path: str
    entries: int
    size_bytes: int
    by_role: dict[str, int]
    by_model: dict[str, int]


def _prepare(conn: sqlite3.Connection, attempts: int = 40) -> None:
    """Switch to WAL and create the table, retrying the one race the busy timeout does not cover.

    When several processes open a new cache file at once, SQLite answers "database is locked"
    at once (no busy wait) to a connection that would otherwise deadlock upgrading its lock.
    Taking the write lock up front (BEGIN IMMEDIATE) avoids the upgrade; a short retry covers
    the journal-mode switch.
    """
    for attempt in range(attempts):
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(_SCHEMA)
            conn.execute("COMMIT")
            return
        except sqlite3.OperationalError as err:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if "locked" not in str(err) or attempt == attempts - 1:
                raise
            time.sleep(0.01 * (attempt + 1))


class ResponseCache:
    """Content-addressed responses; one short transaction per operation."""

    FILENAME = "responses.sqlite"

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / self.FILENAME
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA busy_timeout=30000")
            _prepare(conn)
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def get(self, key: str) -> ModelResponse | None:
        row = self._conn().execute("SELECT body FROM responses WHERE key = ?", (key,)).fetchone()
        return ModelResponse.model_validate_json(row[0]) if row else None

    def put(self, key: str, response: ModelResponse, role: str) -> None:
        body = redact(response.model_dump_json(exclude=_STORED_EXCLUDE))  # an answer may quote a key
        self._conn().execute(
            "INSERT OR REPLACE INTO responses (key, model, role, created, body) VALUES (?, ?, ?, ?, ?)",
            (key, response.model, role, time.time(), body),
        )

    def stats(self) -> CacheStats:
        conn = self._conn()
        entries = conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
        by_role = dict(conn.execute("SELECT role, COUNT(*) FROM responses GROUP BY role").fetchall())
        by_model = dict(conn.execute("SELECT model, COUNT(*) FROM responses GROUP BY model").fetchall())
        size = sum(p.stat().st_size for p in self.path.parent.glob(self.FILENAME + "*") if p.exists())
        return CacheStats(path=str(self.path), entries=entries, size_bytes=size, by_role=by_role, by_model=by_model)

    def clear(self, role: str | None = None) -> int:
        """Delete entries (all, or one role's); returns how many were removed."""
        conn = self._conn()
        if role is None:
            removed = conn.execute("DELETE FROM responses").rowcount
        else:
            removed = conn.execute("DELETE FROM responses WHERE role = ?", (role,)).rowcount
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return removed

    def integrity_ok(self) -> bool:
        return self._conn().execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                try:
                    conn.close()
                except sqlite3.ProgrammingError:  # created in another thread; it closes with that thread
                    pass
            self._connections.clear()
        self._local = threading.local()
