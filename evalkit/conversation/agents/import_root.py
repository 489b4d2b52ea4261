"""Agent modules import from the project root, as pytest users expect of their own code.

A suite names `agents.support:make_agent`; the module lives next to pyproject.toml. pytest puts a
test file's folder on sys.path, but a YAML suite has no Python file to trigger that, so without this
the import failed with ModuleNotFoundError until the user found `pythonpath = ["."]`.
"""

from __future__ import annotations

import sys
from pathlib import Path


def add_import_root(*roots: Path | None) -> list[str]:
    """Append each existing root to sys.path once (after what is there, so installed packages win); returns those added."""
    added: list[str] = []
    for root in roots:
        if root is None or not root.is_dir():
            continue
        entry = str(root.resolve())
        if entry not in sys.path and entry not in added:
            sys.path.append(entry)
            added.append(entry)
    return added
