"""The decided rows of a run: trials.jsonl (one per session) and results.jsonl (one per criterion or check).

They are the verdict stage's input and the run directory's contract: the run
engine writes them (`evalkit.run.records` builds them), and every reader
(plugin, report, compare, history) reads them through these models.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from evalkit.judging.verdict import Evidence, Outcome
from evalkit.llm.costs import sum_costs

ROLES = ("agent", "simulator", "judge")
CHECKS_REF = "checks"

TrialKey = tuple[str, str, str, int]  # suite, scenario_id, tier, trial


class TokenCount(BaseModel):
    """Tokens of one role in one session."""

    model_config = ConfigDict(extra="allow")

    input: int = 0
    output: int = 0


class TrialRecord(BaseModel):
    """One row of trials.jsonl: one session and its decided outcome.

    The run engine fills every field; the defaults and `extra="allow"` are for the
    readers (plugin, report), which must accept older or partial rows unchanged.
    """

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
    latency_s: float | None = None  # the session, start to end
    judge_latency_s: float | None = None  # its judging (None in rows written before it was recorded)
    tokens: dict[str, TokenCount] = Field(default_factory=dict)
    cost_usd: dict[str, float | None] = Field(default_factory=dict)
    cached_judge_calls: int = 0
    rubric_refs: list[str] = Field(default_factory=list)
    rubric_fingerprints: dict[str, str] = Field(default_factory=dict)  # rubric ref -> fingerprint it was judged under
    criteria_scored: int = 0  # criterion and check readings of this trial
    invalid_criteria: list[str] = Field(
        default_factory=list
    )  # `rubric_ref:criterion` of readings that came back invalid

    @property
    def key(self) -> TrialKey:
        return (self.suite, self.scenario_id, self.tier, self.trial)

    def cost(self, role: str = "total") -> float | None:
        """USD for one role (absent = no calls = 0) or the total (None = some price unknown)."""
        if role in self.cost_usd:
            return self.cost_usd[role]
        if role == "total":
            return sum_costs(self.cost(r) for r in ROLES)
        return 0.0

    @property
    def total_cost(self) -> float | None:
        return self.cost("total")

    def role_tokens(self, role: str) -> int:
        count = self.tokens.get(role)
        return 0 if count is None else count.input + count.output


class ResultRow(BaseModel):
    """One row of results.jsonl: one criterion (or check) of one trial, with its provenance.

    Defaults and `extra="allow"` as for `TrialRecord`: for readers of older or partial rows.
    """

    model_config = ConfigDict(extra="allow")

    run_id: str = ""
    suite: str = ""
    scenario_id: str
    tier: str = "default"
    trial: int = 0
    rubric_ref: str = CHECKS_REF
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
    samples: list[float | None] = Field(default_factory=list)
    spread: float | None = None
    agreement: float | None = None
    judge_models: list[str] = Field(default_factory=list)
    judge_params: dict[str, Any] = Field(default_factory=dict)
    template_hash: str | None = None
    evalkit_version: str = ""  # always written; an older row without it has no known version
    transcript_hash: str | None = None

    @property
    def key(self) -> TrialKey:
        """The key of the trial this row belongs to (as `TrialRecord.key`)."""
        return (self.suite, self.scenario_id, self.tier, self.trial)

    @property
    def label(self) -> str:
        """`rubric_ref:criterion` so equal criterion ids of two rubrics stay apart."""
        return f"{self.rubric_ref}:{self.criterion_id}" if self.rubric_ref else self.criterion_id
