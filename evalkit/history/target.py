"""Which history database a project records into: `[tool.evalkit] history` and `EVALKIT_HISTORY_URL`.

(nothing set)                         -> sqlite:///<report_dir>/history.db   (on by default)
history = false                       -> off
history = true                        -> the default
history = "postgresql+psycopg://..."  -> that database (any SQLAlchemy URL)
history = "ci/history.db"             -> a SQLite file, relative to the project root
EVALKIT_HISTORY_URL=<url>             -> wins over pyproject (keep a URL with a password in CI secrets);
                                         EVALKIT_HISTORY_URL=false turns history off for one job
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ENV_URL = "EVALKIT_HISTORY_URL"
KEY = "history"
DEFAULT_FILE = "history.db"
_OFF = ("false", "off", "no", "0")
_ON = ("true", "on", "yes", "1")


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


class HistoryConfigError(ValueError):
    """A bad `history` setting; the message names where it was set, the key and what was expected."""


def history_url(
    value: Any,
    report_dir: Path,
    root: Path,
    where: str = f"{KEY} ([tool.evalkit])",
    env: Mapping[str, str] | None = None,
) -> str | None:
    """The database URL to record into, or None when history is off.

    `value` is `[tool.evalkit] history` (None when absent); `where` names it in errors, as the option
    table does: `history (/repo/pyproject.toml:12 [tool.evalkit])`.
    """
    env = os.environ if env is None else env
    from_env = env.get(ENV_URL, "").strip()
    if from_env:
        return _text(from_env, report_dir, Path.cwd(), f"{KEY} ({ENV_URL})")
    if value is None or value is True:
        return sqlite_url(report_dir / DEFAULT_FILE)
    if value is False:
        return None
    if isinstance(value, str) and value.strip():
        return _text(value.strip(), report_dir, root, where)
    raise HistoryConfigError(
        f"{where}: expected true, false, a database URL (e.g. "
        f"postgresql+psycopg://host/db) or a SQLite file path, got {value!r}"
    )


def _text(value: str, report_dir: Path, root: Path, where: str) -> str | None:
    if value.lower() in _OFF:
        return None
    if value.lower() in _ON:
        return sqlite_url(report_dir / DEFAULT_FILE)
    if "://" not in value:
        return sqlite_url(root / value)
    from evalkit.history.engine import HistoryError, parse_url  # SQLAlchemy: only when a URL is configured

    try:
        parse_url(value)
    except HistoryError as err:
        raise HistoryConfigError(f"{where}: {err}") from None
    return value


def project_history_url(root: Path, report_dir: Path | None = None, env: Mapping[str, str] | None = None) -> str | None:
    """The URL for the project at `root`, from its pyproject.toml (`evalkit.options` reads the table; this
    key is one the option table leaves to this module, as its value is a boolean or a string)."""
    from evalkit.options import OptionError, read_tool_table

    try:
        table = read_tool_table(root)
    except OptionError as err:
        raise HistoryConfigError(str(err).removeprefix("evalkit: ")) from None
    configured_dir = table.values.get("report_dir")
    reports = report_dir or (root / configured_dir if isinstance(configured_dir, str) else root / "reports")
    return history_url(table.values.get(KEY), reports, root, where=f"{KEY} ({table.where(KEY)})", env=env)
