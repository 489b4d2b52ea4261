"""Scores with provenance: what judging produces for one transcript and one rubric."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from evalkit.llm.types import Usage


class Outcome(StrEnum):
    """A trial is pass, fail or invalid; `error` is a setup error (the agent never ran), shown as a pytest error.

    Criteria and rubrics are only ever pass, fail or invalid.
    """

    passed = "pass"
    failed = "fail"
    invalid = "invalid"
    error = "error"


class Evidence(BaseModel):
    turn: int
    quote: str
    verified: bool | None = None  # None until checked against the transcript


class CriterionScore(BaseModel):
    criterion_id: str
    kind: str  # "llm" or the check kind (regex, tool_called, ...)
    outcome: Outcome
    score: float | None = None  # normalised to [0, 1]; None whenever outcome is invalid
    raw_score: float | None = None  # on the criterion's own scale (mean over samples)
    weight: float = 1.0
    must_pass: bool = False
    reasoning: str = ""
    evidence: list[Evidence] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)  # unsupported_evidence, off_scale, missing, unparseable, ...
    invalid_reason: str | None = None
    samples: list[float | None] = Field(default_factory=list)  # raw scores per sample / panel judge
    spread: float | None = None  # std dev over samples
    agreement: float | None = None  # panel: share of judges agreeing with the aggregate


class Provenance(BaseModel):
    rubric_id: str
    rubric_version: int
    rubric_fingerprint: str
    judge_models: list[str] = Field(default_factory=list)
    judge_params: dict[str, Any] = Field(default_factory=dict)
    template_hash: str | None = None
    evalkit_version: str = ""

    @property
    def rubric_ref(self) -> str:
        return f"{self.rubric_id}@{self.rubric_version}"


class RubricVerdict(BaseModel):
    """One transcript judged against one rubric."""

    transcript_hash: str
    provenance: Provenance
    outcome: Outcome
    score: float | None = None  # weighted mean of valid criteria, None when invalid
    criteria: list[CriterionScore] = Field(default_factory=list)
    invalid_reason: str | None = None
    fail_reasons: list[str] = Field(default_factory=list)  # why the rubric failed (threshold, must_pass, ...)
    invalid_criteria: list[str] = Field(default_factory=list)  # ids of criteria that came back invalid, any outcome
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float | None = 0.0
    judge_calls: int = 0
    cached_calls: int = 0
    flags: list[str] = Field(default_factory=list)  # verdict-level warnings, e.g. extra_criterion:<id>


class TrialVerdict(BaseModel):
    """The decision for one session: see `evalkit.verdicts.trial` for the rule."""

    outcome: Outcome
    score: float | None = None  # mean over rubric scores; None when invalid or nothing was scored
    fail_reasons: list[str] = Field(default_factory=list)
    invalid_reason: str | None = None
