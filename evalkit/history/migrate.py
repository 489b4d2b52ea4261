"""Bringing a history database to the current schema with the Alembic migrations shipped in this package.

Called before every write and read: a database made by an older evalkit is upgraded in one transaction
(PostgreSQL and SQLite both run DDL transactionally), so it is either fully upgraded or left as it was;
one written by a newer evalkit is refused, never written to. Concurrent upgraders queue on a lock
(SQLite's write lock, a PostgreSQL advisory lock) and the later ones find nothing left to do.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from evalkit.history.engine import HistoryError, shown
from evalkit.history.schema import HEAD

MIGRATIONS = Path(__file__).with_name("migrations")
_PG_LOCK_KEY = 0x65766B68  # "evkh": the advisory lock every evalkit upgrading this database takes


def alembic_config(connection: Connection | None = None) -> Config:
    """An in-memory Alembic config (no alembic.ini) pointing at the shipped migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def known_revisions() -> set[str]:
    return {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate to `revision` (default: the newest); a no-op read when already there."""
    with engine.connect() as probe:
        now = current_revision(probe)
    if now == HEAD and revision in ("head", HEAD):
        return
    _refuse_newer(now, engine)
    with engine.begin() as conn:  # one transaction: the lock, the check again, every step
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        _refuse_newer(current_revision(conn), engine)
        command.upgrade(alembic_config(conn), revision)


def _refuse_newer(now: str | None, engine: Engine) -> None:
    if now is not None and now not in known_revisions():
        raise HistoryError(
            f"history database {shown(engine.url)} is at schema revision {now}, newer than this "
            f"evalkit knows (up to {HEAD}): upgrade evalkit to record into it"
        )
