"""Rows of trials.jsonl and results.jsonl: the run directory's tidy records.

Field names follow the run-directory contract the pytest plugin and the report read.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from evalkit import __version__
from evalkit.conversation.transcript import Transcript
from evalkit.judging.verdict import CriterionScore, Evidence, Outcome, RubricVerdict
from evalkit.llm.costs import sum_costs
from evalkit.run.plan import WorkItem
from evalkit.run.stages import Judgement

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
    latency_s: float | None = None
    tokens: dict[str, TokenCount] = Field(default_factory=dict)
    cost_usd: dict[str, float | None] = Field(default_factory=dict)
    cached_judge_calls: int = 0
    rubric_refs: list[str] = Field(default_factory=list)

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


def _sum_cost(values: list[float | None]) -> float | None:
    """Unknown anywhere means unknown in total; rounded so float noise stays out of the rows."""
    total = sum_costs(values)
    return None if total is None else round(total, 8)


def _role_usage(transcript: Transcript, judgement: Judgement) -> tuple[dict[str, dict[str, int]], dict[str, float | None]]:
    tokens: dict[str, dict[str, int]] = {}
    cost: dict[str, float | None] = {}
    for role in ("agent", "simulator"):
        ru = transcript.usage_by_role.get(role)
        tokens[role] = {"input": ru.usage.input_tokens if ru else 0, "output": ru.usage.output_tokens if ru else 0}
        cost[role] = ru.cost_usd if ru else 0.0
    tokens["judge"] = {
        "input": sum(v.usage.input_tokens for v in judgement.verdicts),
        "output": sum(v.usage.output_tokens for v in judgement.verdicts),
    }
    cost["judge"] = _sum_cost([v.cost_usd for v in judgement.verdicts])
    cost["total"] = _sum_cost([cost[r] for r in ROLES])
    return tokens, cost


def trial_record(run_id: str, item: WorkItem, transcript: Transcript, judgement: Judgement, path: str,
                 transcript_hash: str | None = None) -> TrialRecord:
    """The trials.jsonl row for a judged session (pass the transcript's hash when already known)."""
    tokens, cost = _role_usage(transcript, judgement)
    turns = max((m.turn for m in transcript.messages), default=0)
    return TrialRecord(
        run_id=run_id,
        suite=item.suite_name,
        suite_path=str(item.suite.path),
        scenario_id=item.scenario_id,
        tier=item.tier,
        trial=item.trial,
        seed=item.seed,
        tags=list(item.scenario.tags),
        outcome=judgement.outcome,
        score=judgement.score,
        fail_reasons=list(judgement.fail_reasons),
        invalid_reason=judgement.invalid_reason,
        termination=str(transcript.termination) if transcript.termination else None,
        termination_detail=transcript.termination_detail,
        transcript_path=path,
        transcript_hash=transcript_hash or transcript.content_hash(),
        turns=turns,
        agent_model=transcript.meta.agent_model or item.agent_model,
        simulator_model=transcript.meta.simulator_model,
        judge_models=sorted({m for v in judgement.verdicts for m in v.provenance.judge_models}),
        guardrail_flags=[f.model_dump(mode="json") for f in transcript.guardrail_flags],
        latency_s=round(max(0.0, transcript.ended_at - transcript.started_at), 4),
        tokens=tokens,
        cost_usd=cost,
        cached_judge_calls=sum(v.cached_calls for v in judgement.verdicts),
        rubric_refs=[f"{v.provenance.rubric_id}@{v.provenance.rubric_version}" for v in judgement.verdicts],
    )


def _row(base: dict[str, Any], score: CriterionScore, verdict: RubricVerdict | None) -> ResultRow:
    prov = verdict.provenance if verdict else None
    return ResultRow(
        **base,
        rubric_ref=f"{prov.rubric_id}@{prov.rubric_version}" if prov else CHECKS_REF,
        rubric_id=prov.rubric_id if prov else CHECKS_REF,
        rubric_version=prov.rubric_version if prov else None,
        rubric_fingerprint=prov.rubric_fingerprint if prov else None,
        judge_models=list(prov.judge_models) if prov else [],
        judge_params=dict(prov.judge_params) if prov else {},
        template_hash=prov.template_hash if prov else None,
        evalkit_version=(prov.evalkit_version if prov and prov.evalkit_version else __version__),
        **score.model_dump(mode="json", exclude={"evidence"}),
        evidence=list(score.evidence),
    )


def result_rows(run_id: str, item: WorkItem, transcript_hash: str, judgement: Judgement) -> list[ResultRow]:
    """The results.jsonl rows for a judged session: rubric criteria first, then scenario checks."""
    base = {
        "run_id": run_id,
        "suite": item.suite_name,
        "scenario_id": item.scenario_id,
        "tier": item.tier,
        "trial": item.trial,
        "transcript_hash": transcript_hash,
    }
    rows = [_row(base, c, v) for v in judgement.verdicts for c in v.criteria]
    rows += [_row(base, c, None) for c in judgement.checks]
    return rows
