"""The run-directory rows the plugin reads (`trials.jsonl`, `results.jsonl`).

Only the fields the plugin needs are typed; everything else is kept so rows
round-trip unchanged when worker results are merged.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from evalkit.llm.costs import sum_costs


class TrialRow(BaseModel):
    """One session: scenario x tier x trial, with its decided outcome."""

    model_config = ConfigDict(extra="allow")

    suite: str = ""
    suite_path: str = ""
    scenario_id: str
    tier: str = "default"
    trial: int = 0
    outcome: str  # pass | fail | invalid
    score: float | None = None
    fail_reasons: list[str] = Field(default_factory=list)
    invalid_reason: str | None = None
    termination: str | None = None
    termination_detail: str = ""
    transcript_path: str | None = None
    turns: int = 0
    cost_usd: dict[str, float | None] = Field(default_factory=dict)
    tokens: dict[str, dict[str, int]] = Field(default_factory=dict)
    rubric_refs: list[str] = Field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.scenario_id, self.tier, self.trial)

    def cost(self, role: str = "total") -> float | None:
        """USD for one role (absent = no calls = 0) or the total (None = some price unknown)."""
        if role in self.cost_usd:
            return self.cost_usd[role]
        if role == "total":
            return sum_costs([v for k, v in self.cost_usd.items() if k != "total"])
        return 0.0


class CriterionRow(BaseModel):
    """One criterion (or scenario check, rubric_ref "checks") scored on one trial."""

    model_config = ConfigDict(extra="allow")

    suite: str = ""
    scenario_id: str
    tier: str = "default"
    trial: int = 0
    rubric_ref: str = ""
    rubric_id: str | None = None
    criterion_id: str
    outcome: str
    score: float | None = None
    reasoning: str = ""
    invalid_reason: str | None = None

    @property
    def label(self) -> str:
        """`rubric_ref:criterion` so equal criterion ids of two rubrics stay apart."""
        return f"{self.rubric_ref}:{self.criterion_id}" if self.rubric_ref else self.criterion_id


def parse_rows(rows: list[dict[str, Any]], model: type[BaseModel]) -> list[Any]:
    return [model.model_validate(r) for r in rows]
