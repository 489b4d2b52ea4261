"""Problems found in authored files, and the one exception that carries them.

A person fixes YAML from the error list, so every problem is one line that
names the file, line, column and key, says what is wrong and what was expected.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in one file; `line` and `col` are 1-based."""

    path: str
    line: int
    col: int
    key_path: str
    message: str

    def __str__(self) -> str:
        return f"{display_path(self.path)}:{self.line}:{self.col}: {self.key_path or '<document>'}: {self.message}"


class SpecError(Exception):
    """Raised when authored files are invalid; `str()` is one line per problem."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type, tuple[list[Problem]]]:
        # Survives pickling (pytest-xdist, multiprocessing) with its problems intact.
        return (SpecError, (self.problems,))


class LocatedValueError(ValueError):
    """A validator error that points below the field it was raised for.

    `at` is a path relative to the validated object, e.g. ("criteria", 2, "id"),
    so the loader can report the exact line instead of the enclosing mapping.
    """

    def __init__(self, message: str, at: tuple[str | int, ...] = (), at_key: bool = False) -> None:
        super().__init__(message)
        self.at = at
        self.at_key = at_key

    def __reduce__(self) -> tuple[type, tuple[str, tuple[str | int, ...], bool]]:
        return (LocatedValueError, (str(self), self.at, self.at_key))


def display_path(path: str | Path) -> str:
    """Show paths relative to the working directory when they are below it."""
    text = str(path)
    try:
        rel = os.path.relpath(text)
    except ValueError:
        return text
    return text if rel.startswith("..") else rel


def format_key_path(parts: tuple[str | int, ...] | list[str | int]) -> str:
    """("scenarios", 2, "persona") -> "scenarios[2].persona"."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
