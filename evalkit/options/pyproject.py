"""`[tool.evalkit]` in pyproject.toml: its values, and the line each key is on (for one-line errors)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.options.errors import OptionError

TABLE = "tool.evalkit"
_HEADER = re.compile(r"^\s*\[(?!\[)(?P<name>[^\]]+)\]")
_KEY = re.compile(r"""^\s*(?P<key>[A-Za-z0-9_.\-"' ]+?)\s*=""")


@dataclass
class ToolTable:
    """The `[tool.evalkit]` table of one pyproject.toml (empty when the file or the table is absent)."""

    path: Path
    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)

    def where(self, key: str) -> str:
        """`/repo/pyproject.toml:12 [tool.evalkit]`, so a bad value is found without searching."""
        line = self.lines.get(key)
        return f"{self.path}:{line} [{TABLE}]" if line else f"{self.path} [{TABLE}]"


def read_tool_table(root: Path) -> ToolTable:
    """The table under `root`; a file TOML cannot read is an OptionError naming it."""
    path = root / "pyproject.toml"
    if not path.is_file():
        return ToolTable(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise OptionError(f"evalkit: {path}: cannot read [{TABLE}]: {exc}") from None
    table = data.get("tool", {}).get("evalkit", {})
    if not isinstance(table, dict):
        raise OptionError(f"evalkit: {path}: [{TABLE}] must be a table, got {table!r}")
    return ToolTable(path, table, key_lines(text))


def key_lines(text: str) -> dict[str, int]:
    """Line of each key of `[tool.evalkit]`: `key = ...` in it, `[tool.evalkit.key]`, or `evalkit.key` in `[tool]`."""
    lines: dict[str, int] = {}
    section = ""
    for number, line in enumerate(text.splitlines(), 1):
        header = _HEADER.match(line)
        if header:
            section = _dotted(header.group("name"))
            if section.startswith(TABLE + "."):
                lines.setdefault(section[len(TABLE) + 1 :].split(".")[0], number)
            continue
        key = _KEY.match(line)
        if not key:
            continue
        dotted = _dotted(key.group("key"))
        if section == TABLE:
            lines.setdefault(dotted.split(".")[0], number)
        elif section == "tool" and dotted.startswith("evalkit."):
            lines.setdefault(dotted.split(".")[1], number)
    return lines


def _dotted(name: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in name.split("."))
