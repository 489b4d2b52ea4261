"""Do a run's rows agree with its event log? Resume repairs what does not; `load_run` says so.

The event log is the record of what happened; trials.jsonl and results.jsonl are
derived from it plus the transcript files. A trial's rows are *complete* when its
trials row exists once, names the transcript the log says the session wrote, and
every criterion row that row counts (`criteria_scored`) is present.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.run.events import read_events
from evalkit.run.keys import row_key

# What the log says of each trial at its latest attempt: read with a cheap line filter (no judgement parsed).
_DECISION_KINDS = ("session_started", "session_ended", "trial_decided")


@dataclass
class TrialRows:
    """The rows one trial has on disk."""

    trial: dict[str, Any] | None = None  # the first trials row
    copies: int = 0  # trials rows written for it (more than one: two writers)
    results: list[dict[str, Any]] = field(default_factory=list)  # its criterion rows, one per criterion

    def complete(self, digest: str | None) -> bool:
        """One trials row, for the logged transcript (`digest`, when known), with every criterion row it counts."""
        row = self.trial
        if row is None or self.copies != 1 or (digest is not None and row.get("transcript_hash") != digest):
            return False
        return len(self.results) == row.get("criteria_scored", len(self.results))


def group_rows(trials: Iterable[dict[str, Any]], results: Iterable[dict[str, Any]]) -> dict[str, TrialRows]:
    """Rows by trial key; a criterion row repeated (same rubric and criterion) counts once."""
    grouped: dict[str, TrialRows] = {}
    for row in trials:
        entry = grouped.setdefault(row_key(row), TrialRows())
        entry.copies += 1
        entry.trial = entry.trial or row
    seen: set[tuple[str, str, str]] = set()
    for row in results:
        key = row_key(row)
        ident = (key, str(row.get("rubric_ref", "")), str(row.get("criterion_id", "")))
        if ident not in seen:
            seen.add(ident)
            grouped.setdefault(key, TrialRows()).results.append(row)
    return grouped


def logged_decisions(events_path: Path, rename: Callable[[Any], Any] | None = None) -> dict[str, str | None]:
    """Trials the log says are decided at their latest attempt -> the transcript hash that attempt logged.

    `rename` maps each logged key (an old-form run's short tiers, `evalkit.run.tier_compat`).
    """
    decided: dict[str, str | None] = {}
    hashes: dict[str, str | None] = {}
    for event in read_events(events_path, kinds=_DECISION_KINDS):
        key, kind = event.get("key"), event["kind"]
        key = rename(key) if rename else key
        if not isinstance(key, str):  # these kinds always name their trial; a line that does not is not ours
            continue
        if kind == "session_started":
            decided.pop(key, None)
            hashes.pop(key, None)
        elif kind == "session_ended":
            decided.pop(key, None)
            hashes[key] = event.get("transcript_hash")
        elif kind == "trial_decided":
            decided[key] = hashes.get(key)
    return decided


def row_problems(grouped: dict[str, TrialRows], decided: dict[str, str | None] | None) -> list[str]:
    """One line per kind of disagreement; `decided` None means there is no event log to check against."""
    problems = []
    doubled = [k for k, r in grouped.items() if r.copies > 1]
    short = [r for r in grouped.values() if r.trial is not None and len(r.results) < r.trial.get("criteria_scored", 0)]
    if doubled:
        problems.append(f"{_n(len(doubled), 'trial has', 'trials have')} more than one row in trials.jsonl")
    if short:
        lost = sum(r.trial["criteria_scored"] - len(r.results) for r in short if r.trial)
        problems.append(
            f"{_n(len(short), 'trial is', 'trials are')} missing criterion rows in results.jsonl ({lost} rows)"
        )
    if decided is not None:
        problems += _log_problems(grouped, decided)
    return problems


def _log_problems(grouped: dict[str, TrialRows], decided: dict[str, str | None]) -> list[str]:
    rowless = [k for k in decided if grouped.get(k, TrialRows()).trial is None]
    unlogged = [k for k, r in grouped.items() if r.trial is not None and k not in decided]
    other = [
        k for k, h in decided.items() if h and (r := grouped.get(k)) and r.trial and r.trial.get("transcript_hash") != h
    ]
    problems = []
    if rowless:
        problems.append(
            f"{_n(len(rowless), 'trial', 'trials')} decided in events.jsonl "
            f"{'has' if len(rowless) == 1 else 'have'} no row in trials.jsonl (e.g. {rowless[0]})"
        )
    if unlogged:
        problems.append(
            f"{_n(len(unlogged), 'row', 'rows')} in trials.jsonl "
            f"{'has' if len(unlogged) == 1 else 'have'} no trial_decided event (e.g. {unlogged[0]})"
        )
    if other:
        problems.append(
            f"{_n(len(other), 'trial row names', 'trial rows name')} a transcript other than "
            f"the one events.jsonl logged (e.g. {other[0]})"
        )
    return problems


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


__all__ = ["TrialRows", "group_rows", "logged_decisions", "row_key", "row_problems"]
