"""`rubrics/rubrics.lock`: the fingerprint each rubric version had when it was locked.

A locked version is a promise that its meaning will not change; results judged
under `support.resolution@2` stay comparable across runs because the lockfile
catches silent edits. New meaning means a new version.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from evalkit.spec.problems import Problem, SpecError
from evalkit.spec.rubrics import REF_PATTERN, ResolvedRubric
from evalkit.spec.yamlsource import key_problem, read_yaml

LOCK_NAME = "rubrics.lock"
_HEADER = (
    "# evalkit rubric lockfile: id@version -> fingerprint of the rubric's meaning.\n"
    "# Written by `evalkit rubrics lock`, verified by `evalkit rubrics check`. Do not edit by hand:\n"
    "# when a locked rubric must change, copy it to a new version instead.\n"
)
State = Literal["locked", "new", "changed", "missing"]


@dataclass(frozen=True)
class LockEntry:
    """How one rubric version compares with the lockfile."""

    ref: str
    state: State
    fingerprint: str | None  # current content; None when the file is gone
    locked: str | None  # what the lockfile says

    @property
    def message(self) -> str:
        return {
            "locked": f"{self.ref} is locked",
            "new": f"{self.ref} is not locked yet: run `evalkit rubrics lock`",
            "changed": f"{self.ref} changed since it was locked: bump the version or revert",
            "missing": f"{self.ref} is locked but no rubric file defines it any more",
        }[self.state]


def read_lock(path: Path) -> dict[str, str]:
    """Entries of a lockfile (empty if it does not exist); raises SpecError if malformed."""
    if not path.exists():
        return {}
    located = read_yaml(path)
    problems = []
    for key, value in located.data.items():
        if not REF_PATTERN.match(key) or "@" not in key or not isinstance(value, str):
            message = "not a lock entry (expected 'id@version: fingerprint'; regenerate with `evalkit rubrics lock`)"
            problems.append(located.problem((key,), message, at_key=True))
    if problems:
        raise SpecError(problems)
    return dict(located.data)


def write_lock(path: Path, entries: dict[str, str]) -> None:
    """Sorted by id, then numeric version, one line each, so diffs show exactly what was locked."""
    lines = [f"{ref}: '{entries[ref]}'\n" for ref in sorted(entries, key=_order)]
    path.write_text(_HEADER + "".join(lines), encoding="utf-8")


def _order(ref: str) -> tuple[str, int]:
    rubric_id, _, version = ref.rpartition("@")
    return rubric_id, int(version)


def compare(rubrics: list[ResolvedRubric], locked: dict[str, str]) -> list[LockEntry]:
    """The state of every rubric version found and every version in the lockfile."""
    entries = []
    for resolved in rubrics:
        was = locked.get(resolved.ref)
        state: State = "new" if was is None else ("locked" if was == resolved.fingerprint else "changed")
        entries.append(LockEntry(resolved.ref, state, resolved.fingerprint, was))
    present = {r.ref for r in rubrics}
    entries += [LockEntry(ref, "missing", None, fp) for ref, fp in locked.items() if ref not in present]
    return sorted(entries, key=lambda e: _order(e.ref))


def lock_problem(path: Path, entry: LockEntry) -> Problem:
    """A lock state as a problem line pointing at the rubric's `version:` key."""
    return key_problem(path, "version", entry.message)
