"""Alembic migrations of the history database, run by `evalkit.history.migrate` (no alembic.ini needed)."""
