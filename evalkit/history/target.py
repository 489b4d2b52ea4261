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
import tomllib
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


def history_url(value: Any, report_dir: Path, root: Path, where: str = f"[tool.evalkit] {KEY}",
                env: Mapping[str, str] | None = None) -> str | None:
    """The database URL to record into, or None when history is off.

    `value` is `[tool.evalkit] history` (None when absent); `where` names it in errors (file:line).
    """
    env = os.environ if env is None else env
    from_env = env.get(ENV_URL, "").strip()
    if from_env:
        return _text(from_env, report_dir, Path.cwd(), ENV_URL)
    if value is None or value is True:
        return sqlite_url(report_dir / DEFAULT_FILE)
    if value is False:
        return None
    if isinstance(value, str) and value.strip():
        return _text(value.strip(), report_dir, root, where)
    raise HistoryConfigError(f"{where}: expected true, false, a database URL (e.g. "
                             f"postgresql+psycopg://host/db) or a SQLite file path, got {value!r}")


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
    """The URL for the project at `root` read from its pyproject.toml (for commands run outside pytest)."""
    table, path = _tool_table(root)
    configured_dir = table.get("report_dir")
    reports = report_dir or (root / configured_dir if isinstance(configured_dir, str) else root / "reports")
    return history_url(table.get(KEY), reports, root, where=key_location(path, KEY), env=env)


def key_location(pyproject: Path, key: str) -> str:
    """`/path/pyproject.toml:12: [tool.evalkit] history` (the key's line when it can be found)."""
    try:
        lines = pyproject.read_text(encoding="utf-8").splitlines()
    except OSError:
        return f"[tool.evalkit] {key}"
    line = next((n for n, text in enumerate(lines, 1) if text.strip().startswith((f"{key} ", f"{key}="))), None)
    return f"{pyproject}:{line}: [tool.evalkit] {key}" if line else f"{pyproject}: [tool.evalkit] {key}"


def _tool_table(root: Path) -> tuple[dict[str, Any], Path]:
    path = root / "pyproject.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, path
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise HistoryConfigError(f"{path}: cannot read [tool.evalkit]: {err}") from None
    table = data.get("tool", {}).get("evalkit", {})
    return (table if isinstance(table, dict) else {}), path
