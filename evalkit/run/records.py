"""Build the rows of trials.jsonl and results.jsonl from a judged session.

The row models themselves live in `evalkit.verdicts.rows` (the contract every reader shares).
"""

from __future__ import annotations

from typing import Any

from evalkit._version import __version__
from evalkit.conversation.transcript import Transcript
from evalkit.judging.verdict import CriterionScore, Outcome, RubricVerdict
from evalkit.llm.costs import sum_costs
from evalkit.run.plan import WorkItem
from evalkit.run.stages import Judgement
from evalkit.verdicts.rows import CHECKS_REF, ROLES, ResultRow, TrialRecord


def _sum_cost(values: list[float | None]) -> float | None:
    """Unknown anywhere means unknown in total; rounded so float noise stays out of the rows."""
    total = sum_costs(values)
    return None if total is None else round(total, 8)


def _role_usage(
    transcript: Transcript, judgement: Judgement
) -> tuple[dict[str, dict[str, int]], dict[str, float | None]]:
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


def trial_record(
    run_id: str,
    item: WorkItem,
    transcript: Transcript,
    judgement: Judgement,
    path: str,
    transcript_hash: str | None = None,
) -> TrialRecord:
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
        judge_latency_s=judgement.latency_s,
        tokens=tokens,
        cost_usd=cost,
        cached_judge_calls=sum(v.cached_calls for v in judgement.verdicts),
        rubric_refs=[v.provenance.rubric_ref for v in judgement.verdicts],
        rubric_fingerprints={v.provenance.rubric_ref: v.provenance.rubric_fingerprint for v in judgement.verdicts},
        criteria_scored=sum(len(v.criteria) for v in judgement.verdicts) + len(judgement.checks),
        invalid_criteria=_invalid_criteria(judgement),
    )


def _invalid_criteria(judgement: Judgement) -> list[str]:
    """Labels (as `ResultRow.label`) of the criterion and check readings that came back invalid."""
    labels = [
        f"{v.provenance.rubric_ref}:{c.criterion_id}"
        for v in judgement.verdicts
        for c in v.criteria
        if c.outcome == Outcome.invalid
    ]
    return labels + [f"{CHECKS_REF}:{c.criterion_id}" for c in judgement.checks if c.outcome == Outcome.invalid]


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


def result_rows(run_id: str, item: WorkItem, transcript_hash: str | None, judgement: Judgement) -> list[ResultRow]:
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
