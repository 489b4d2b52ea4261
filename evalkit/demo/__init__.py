"""The demo that ships inside evalkit, so it runs after any install (`evalkit demo`), not only from a clone.

- `support_agent`: a tool-using customer-support agent written against the plain `openai` SDK;
- `offline`: the scripted customer, agent model and judge the fake model server plays in offline runs;
- `PROJECT`: a small evalkit project of its own (pyproject.toml marks its root; rubrics/ and personas/
  beside suites/demo/), so the suite resolves the same files wherever evalkit is installed.

Importing this package is cheap: the agent and the handlers load only when a run names them.
"""

from __future__ import annotations

from pathlib import Path

PROJECT: Path = Path(__file__).resolve().parent / "project"
SUITE_DIR: Path = PROJECT / "suites" / "demo"

__all__ = ["PROJECT", "SUITE_DIR"]
