"""Usage ledger: tokens and cost per role, session, scenario, model and run."""

from __future__ import annotations

import threading
from dataclasses import dataclass

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
        self.calls += 1
        self.cache_hits += entry.cached
        self.input_tokens += entry.usage.input_tokens
        self.output_tokens += entry.usage.output_tokens
        if entry.cost_usd is None:
            self.unknown_cost_calls += 1
        else:
            self.known_cost_usd += entry.cost_usd


class UsageLedger:
    """Thread-safe running totals of every exchange the hub made or served from cache.

    Totals per role, session, scenario and model are kept up to date on each record,
    so reading them costs nothing that grows with the run and no per-call entry is kept.
    """

    def __init__(self) -> None:
        self._total = UsageTotals()
        self._groups: dict[str, dict] = {"role": {}, "session": {}, "scenario": {}, "model": {}}
        self._session_roles: dict[str | None, dict[str, UsageTotals]] = {}
        self._lock = threading.Lock()

    def record(self, model: str, tag: CallTag, usage: Usage, cost_usd: float | None, cached: bool = False) -> None:
        entry = UsageEntry(model, tag.role, tag.scenario_id, tag.session_id, usage, cost_usd, cached)
        keys = {"role": entry.role, "session": entry.session_id, "scenario": entry.scenario_id, "model": entry.model}
        with self._lock:
            self._total.add(entry)
            for group, key in keys.items():
                _totals(self._groups[group], key).add(entry)
            _totals(self._session_roles.setdefault(entry.session_id, {}), entry.role).add(entry)

    def total(self) -> UsageTotals:
        with self._lock:
            return self._total.model_copy()

    def by_role(self) -> dict[str, UsageTotals]:
        return self._copy("role")

    def by_session(self) -> dict[str | None, UsageTotals]:
        return self._copy("session")

    def by_scenario(self) -> dict[str | None, UsageTotals]:
        return self._copy("scenario")

    def by_model(self) -> dict[str, UsageTotals]:
        return self._copy("model")

    def for_session(self, session_id: str) -> dict[str, UsageTotals]:
        """Per-role totals of one session (what a transcript records)."""
        with self._lock:
            return {role: t.model_copy() for role, t in self._session_roles.get(session_id, {}).items()}

    def _copy(self, group: str) -> dict:
        with self._lock:
            return {key: t.model_copy() for key, t in self._groups[group].items()}


def _totals(group: dict, key: str | None) -> UsageTotals:
    totals = group.get(key)
    if totals is None:
        totals = group[key] = UsageTotals()
    return totals
