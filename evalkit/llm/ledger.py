"""Usage ledger: tokens and cost per role, session, scenario, model and run."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol

from pydantic import BaseModel

from evalkit.llm.types import CallTag, Usage


@dataclass(frozen=True, slots=True)
class UsageEntry:
    """One model exchange (a repair request is its own entry)."""

    model: str
    role: str
    scenario_id: str | None
    session_id: str | None
    usage: Usage
    cost_usd: float | None
    cached: bool = False


class UsageTotals(BaseModel):
    """Aggregated usage. `cost_usd` is None when any call's price is unknown; `known_cost_usd` sums the rest."""

    calls: int = 0
    cache_hits: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    known_cost_usd: float = 0.0
    unknown_cost_calls: int = 0

    @property
    def cost_usd(self) -> float | None:
        return None if self.unknown_cost_calls else self.known_cost_usd

    def add(self, entry: UsageEntry) -> None:
        _count(self, entry)


class _Counts(Protocol):
    """The running counters UsageTotals and _Acc share."""

    calls: int
    cache_hits: int
    input_tokens: int
    output_tokens: int
    known_cost_usd: float
    unknown_cost_calls: int


def _count(acc: _Counts, entry: UsageEntry) -> None:
    acc.calls += 1
    acc.cache_hits += entry.cached
    acc.input_tokens += entry.usage.input_tokens
    acc.output_tokens += entry.usage.output_tokens
    if entry.cost_usd is None:
        acc.unknown_cost_calls += 1
    else:
        acc.known_cost_usd += entry.cost_usd


class _Acc:
    """A running total kept per group key; slotted (~100 bytes) because the run keeps one per session and role."""

    __slots__ = ("cache_hits", "calls", "input_tokens", "known_cost_usd", "output_tokens", "unknown_cost_calls")

    def __init__(self) -> None:
        self.calls = self.cache_hits = self.input_tokens = self.output_tokens = self.unknown_cost_calls = 0
        self.known_cost_usd = 0.0

    def add(self, entry: UsageEntry) -> None:
        _count(self, entry)

    def merge(self, other: _Acc) -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def totals(self) -> UsageTotals:
        return UsageTotals(**{name: getattr(self, name) for name in self.__slots__})


class UsageLedger:
    """Thread-safe running totals of every exchange the hub made or served from cache.

    Totals per role, scenario, model and session x role are kept up to date on each
    record, so reading them costs nothing that grows with the run and no per-call entry is kept.
    """

    def __init__(self) -> None:
        self._total = _Acc()
        self._groups: dict[str, dict[str | None, _Acc]] = {"role": {}, "scenario": {}, "model": {}}
        self._sessions: dict[str | None, dict[str, _Acc]] = {}
        self._lock = threading.Lock()

    def record(self, model: str, tag: CallTag, usage: Usage, cost_usd: float | None, cached: bool = False) -> None:
        entry = UsageEntry(model, tag.role, tag.scenario_id, tag.session_id, usage, cost_usd, cached)
        keys = {"role": entry.role, "scenario": entry.scenario_id, "model": entry.model}
        with self._lock:
            self._total.add(entry)
            for group, key in keys.items():
                _acc(self._groups[group], key).add(entry)
            _acc(self._sessions.setdefault(entry.session_id, {}), entry.role).add(entry)

    def total(self) -> UsageTotals:
        with self._lock:
            return self._total.totals()

    def by_role(self) -> dict[str, UsageTotals]:
        return self._read("role")

    def by_session(self) -> dict[str | None, UsageTotals]:
        with self._lock:
            out: dict[str | None, UsageTotals] = {}
            for session_id, roles in self._sessions.items():
                acc = _Acc()
                for role_acc in roles.values():
                    acc.merge(role_acc)
                out[session_id] = acc.totals()
            return out

    def by_scenario(self) -> dict[str | None, UsageTotals]:
        return self._read("scenario")

    def by_model(self) -> dict[str, UsageTotals]:
        return self._read("model")

    def for_session(self, session_id: str) -> dict[str, UsageTotals]:
        """Per-role totals of one session (what a transcript records)."""
        with self._lock:
            return {role: acc.totals() for role, acc in self._sessions.get(session_id, {}).items()}

    def _read(self, group: str) -> dict:
        with self._lock:
            return {key: acc.totals() for key, acc in self._groups[group].items()}


def _acc(group: dict, key: str | None) -> _Acc:
    acc = group.get(key)
    if acc is None:
        acc = group[key] = _Acc()
    return acc
