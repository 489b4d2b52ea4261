"""Usage ledger: tokens and cost per role, session, scenario, model and run."""

from __future__ import annotations

import threading
from collections.abc import Callable
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
    """Thread-safe append-only record of every exchange the hub made or served from cache."""

    def __init__(self) -> None:
        self._entries: list[UsageEntry] = []
        self._lock = threading.Lock()

    def record(self, model: str, tag: CallTag, usage: Usage, cost_usd: float | None, cached: bool = False) -> None:
        entry = UsageEntry(model, tag.role, tag.scenario_id, tag.session_id, usage, cost_usd, cached)
        with self._lock:
            self._entries.append(entry)

    @property
    def entries(self) -> list[UsageEntry]:
        with self._lock:
            return list(self._entries)

    def total(self) -> UsageTotals:
        totals = UsageTotals()
        for entry in self.entries:
            totals.add(entry)
        return totals

    def by_role(self) -> dict[str, UsageTotals]:
        return self._group(lambda e: e.role)

    def by_session(self) -> dict[str | None, UsageTotals]:
        return self._group(lambda e: e.session_id)

    def by_scenario(self) -> dict[str | None, UsageTotals]:
        return self._group(lambda e: e.scenario_id)

    def by_model(self) -> dict[str, UsageTotals]:
        return self._group(lambda e: e.model)

    def for_session(self, session_id: str) -> dict[str, UsageTotals]:
        """Per-role totals of one session (what a transcript records)."""
        out: dict[str, UsageTotals] = {}
        for entry in self.entries:
            if entry.session_id == session_id:
                out.setdefault(entry.role, UsageTotals()).add(entry)
        return out

    def _group(self, key: Callable[[UsageEntry], str | None]) -> dict:
        out: dict[str | None, UsageTotals] = {}
        for entry in self.entries:
            out.setdefault(key(entry), UsageTotals()).add(entry)
        return out
