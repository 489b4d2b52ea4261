"""Per-role token and cost accounting for one transcript."""

from __future__ import annotations

from evalkit.conversation.transcript import RoleUsage
from evalkit.llm.costs import sum_costs
from evalkit.llm.types import ModelResponse, Usage


class UsageBook:
    """Adds calls to per-role totals; a cost becomes None (unknown) once any call's price is unknown."""

    def __init__(self) -> None:
        self.roles: dict[str, RoleUsage] = {}

    def add(self, role: str, usage: Usage, cost_usd: float | None, *, calls: int = 1, cached_calls: int = 0) -> None:
        entry = self.roles.setdefault(role, RoleUsage())
        entry.usage = entry.usage + usage
        entry.cost_usd = sum_costs((entry.cost_usd, cost_usd))
        entry.calls += calls
        entry.cached_calls += cached_calls

    def add_response(self, role: str, response: ModelResponse) -> None:
        self.add(role, response.usage, response.cost_usd, cached_calls=int(response.cached))

    def snapshot(self) -> dict[str, RoleUsage]:
        return {role: usage.model_copy(deep=True) for role, usage in self.roles.items()}
