"""Typed views of the run-directory rows the report reads.

The run engine writes `trials.jsonl` and `results.jsonl`; `evalkit.load_run`
reads them. The report validates each row once into these models so templates
and statistics work on attributes, not on dict lookups that fail late.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from evalkit.judging.verdict import Evidence, Outcome

ROLES: tuple[str, ...] = ("agent", "simulator", "judge")


class TokenCount(BaseModel):
    model_config = ConfigDict(extra="allow")

    input: int = 0
    output: int = 0


class TrialRecord(BaseModel):
    """One session: a row of `trials.jsonl`."""

    model_config = ConfigDict(extra="allow")

    run_id: str = ""
    suite: str = ""
    suite_path: str | None = None
    scenario_id: str
    tier: str = "default"
    trial: int = 0
    seed: int | None = None
    tags: list[str] = Field(default_factory=list)
    outcome: Outcome
    score: float | None = None
    fail_reasons: list[str] = Field(default_factory=list)
    invalid_reason: str | None = None
    termination: str | None = None
    termination_detail: str = ""
    transcript_path: str | None = None
    transcript_hash: str | None = None
    turns: int = 0
    agent_model: str | None = None
    simulator_model: str | None = None
    judge_models: list[str] = Field(default_factory=list)
    guardrail_flags: list[Any] = Field(default_factory=list)
    latency_s: float | None = None
    tokens: dict[str, TokenCount] = Field(default_factory=dict)
    cost_usd: dict[str, float | None] = Field(default_factory=dict)
    cached_judge_calls: int = 0
    rubric_refs: list[str] = Field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.suite, self.scenario_id, self.tier, self.trial)

    @property
    def total_cost(self) -> float | None:
        """Total session cost; None when any role's price was unknown."""
        if "total" in self.cost_usd:
            return self.cost_usd["total"]
        parts = [self.cost_usd.get(r) for r in ROLES]
        return None if any(p is None for p in parts) else sum(p or 0.0 for p in parts)

    def role_tokens(self, role: str) -> int:
        count = self.tokens.get(role)
        return 0 if count is None else count.input + count.output


class ResultRecord(BaseModel):
    """One criterion of one trial: a row of `results.jsonl`."""

    model_config = ConfigDict(extra="allow")

    suite: str = ""
    scenario_id: str
    tier: str = "default"
    trial: int = 0
    rubric_ref: str = "checks"
    rubric_id: str | None = None
    rubric_version: int | None = None
    rubric_fingerprint: str | None = None
    criterion_id: str
    kind: str = "llm"
    outcome: Outcome
    score: float | None = None
    raw_score: float | None = None
    weight: float = 1.0
    must_pass: bool = False
    reasoning: str = ""
    evidence: list[Evidence] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)
    invalid_reason: str | None = None
    judge_models: list[str] = Field(default_factory=list)
    judge_params: dict[str, Any] = Field(default_factory=dict)
    template_hash: str | None = None
    evalkit_version: str = ""

    @property
    def trial_key(self) -> tuple[str, str, str, int]:
        return (self.suite, self.scenario_id, self.tier, self.trial)
