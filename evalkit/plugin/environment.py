"""Environment variables a run sets for its agents (offline endpoint, replay guard) and puts back when it ends."""

from __future__ import annotations

import os


class EnvironmentPatch:
    """`set` remembers each variable's first value; `restore` puts every one back (unset if it was unset)."""

    def __init__(self) -> None:
        self._saved: dict[str, str | None] = {}

    def set(self, name: str, value: str) -> None:
        self._saved.setdefault(name, os.environ.get(name))
        os.environ[name] = value

    def restore(self) -> None:
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved.clear()
