"""`judge_transcript`: one transcript, one rubric -> a RubricVerdict with provenance.

Plan: render one prompt per criterion group (all LLM criteria at once, or one
per criterion with `granularity: criterion`), ask every judge model `samples`
times (distinct `sample_index`, so the response cache keeps them apart), read
and verify each reply, aggregate per criterion, evaluate deterministic
criteria, then apply the rubric arithmetic in `evalkit.judging.scoring`.
Judge calls are tagged `role="judge"`, so the hub caches them: re-judging an
unchanged transcript under an unchanged rubric makes no model request.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from evalkit.conversation.transcript import Transcript
from evalkit.judging.aggregate import aggregate_criterion
from evalkit.judging.calls import CallPlan, CallResult, CallStats, all_invalid, judge_call
from evalkit.judging.checks import evaluate_any, finding_to_score
from evalkit.judging.provenance import make_provenance, total_usage
from evalkit.judging.render import RenderError, render_judge_prompt
from evalkit.judging.scoring import score_rubric
from evalkit.judging.verdict import CriterionScore, Outcome, RubricVerdict
from evalkit.llm.source import ModelSource
from evalkit.llm.types import CallTag, GenerateConfig
from evalkit.spec.models import Criterion, JudgeConfig, Rubric, Scenario

NO_JUDGE = "no judge model configured (set `judge.model` in the rubric or the suite)"
TOP_LOGPROBS = 10


class RubricLike(Protocol):
    """What judging needs of a `evalkit.spec.ResolvedRubric`."""

    rubric: Rubric
    fingerprint: str
    template_text: str | None


def resolve_judge(rubric_judge: JudgeConfig | None, default: JudgeConfig | None) -> JudgeConfig:
    """The rubric's judge settings; models come from the suite default only when the rubric names none."""
    if rubric_judge is None:
        return default or JudgeConfig()
    if rubric_judge.models() or default is None:
        return rubric_judge
    return rubric_judge.model_copy(
        update={"model": default.model, "panel": default.panel, "base_url": rubric_judge.base_url or default.base_url}
    )


def _plans(judge: JudgeConfig, rubric: Rubric, tag: CallTag, has_scale: bool) -> list[list[CallPlan]]:
    """Per judge model, one plan per sample."""
    logprobs = judge.logprob_scoring and has_scale
    return [
        [
            CallPlan(
                model=model,
                config=GenerateConfig(
                    temperature=judge.temperature,
                    max_tokens=judge.max_tokens,
                    sample_index=index,
                    logprobs=logprobs,
                    top_logprobs=TOP_LOGPROBS if logprobs else None,
                    tag=tag,
                ),
                base_url=judge.base_url,
                evidence_mode=rubric.evidence,
                min_evidence=judge.min_evidence,
                logprob_scoring=logprobs,
            )
            for index in range(judge.samples)
        ]
        for model in judge.models()
    ]


async def _judge_llm(
    transcript: Transcript, resolved: RubricLike, judge: JudgeConfig, hub: ModelSource, scenario: Scenario | None
) -> tuple[list[CriterionScore], list[CallResult], str | None]:
    """LLM criteria -> scores, the raw call results, and the template hash used."""
    rubric = resolved.rubric
    criteria = [c for c in rubric.criteria if c.is_llm]
    groups = [criteria] if rubric.granularity == "rubric" else [[c] for c in criteria]
    tag = CallTag(role="judge", scenario_id=transcript.meta.scenario_id, session_id=transcript.meta.session_id)
    try:
        prompts = [render_judge_prompt(transcript, rubric, group, resolved.template_text, scenario) for group in groups]
    except RenderError as exc:
        return _invalid_all(criteria, rubric, str(exc), "template"), [], None
    plans = _plans(judge, rubric, tag, any(c.scale != "binary" for c in criteria))
    jobs = [
        (m, prompt, group, plan)
        for m, per_model in enumerate(plans)
        for plan in per_model
        for prompt, group in zip(prompts, groups, strict=True)
    ]
    results = await asyncio.gather(*(judge_call(hub, plan, prompt, group) for _, prompt, group, plan in jobs))
    per_criterion: dict[str, list[list[Any]]] = {c.id: [[] for _ in plans] for c in criteria}
    for (m, _, group, _), result in zip(jobs, results, strict=True):
        for c in group:
            per_criterion[c.id][m].append(result.readings[c.id])
    scores = [aggregate_criterion(c, per_criterion[c.id], rubric.threshold) for c in criteria]
    return scores, list(results), prompts[0].template_hash if prompts else None


def _invalid_all(criteria: list[Criterion], rubric: Rubric, reason: str, flag: str) -> list[CriterionScore]:
    readings = all_invalid(criteria, "", reason, flag)
    return [aggregate_criterion(c, [[readings[c.id]]], rubric.threshold) for c in criteria]


async def _judge_checks(
    transcript: Transcript, rubric: Rubric, hub: ModelSource, judge: JudgeConfig
) -> tuple[list[CriterionScore], list[CallStats]]:
    scores, stats = [], []
    for criterion in rubric.criteria:
        if criterion.check is None:
            continue
        finding = await evaluate_any(criterion.check, transcript, hub, judge)
        stats.extend(finding.calls)
        score = finding_to_score(
            finding, criterion.id, criterion.check.kind, weight=criterion.weight, must_pass=criterion.must_pass
        )
        scores.append(score)
    return scores, stats


async def judge_transcript(
    transcript: Transcript,
    rubric: RubricLike,
    hub: ModelSource,
    default_judge: JudgeConfig | None = None,
    *,
    scenario: Scenario | None = None,
) -> RubricVerdict:
    """Judge one transcript against one rubric. Never raises for judge failures: they become invalid criteria.

    `default_judge` is the suite's judge, used when the rubric names no model.
    `scenario`, when given, shows the judge the user's goal (authored text, outside the data block).
    """
    try:
        return await _judge(transcript, rubric, hub, default_judge, scenario)
    except Exception as exc:  # noqa: BLE001 - a bug or an unforeseen failure must not crash the run nor pass silently
        judge = resolve_judge(rubric.rubric.judge, default_judge)
        return RubricVerdict(
            transcript_hash=transcript.content_hash(),
            provenance=make_provenance(rubric, judge, None),
            outcome=Outcome.invalid,
            invalid_reason=f"judging failed: {type(exc).__name__}: {exc}",
        )


async def _judge(
    transcript: Transcript,
    rubric: RubricLike,
    hub: ModelSource,
    default_judge: JudgeConfig | None,
    scenario: Scenario | None,
) -> RubricVerdict:
    spec = rubric.rubric
    judge = resolve_judge(spec.judge, default_judge)
    llm_criteria = [c for c in spec.criteria if c.is_llm]
    results: list[CallResult] = []
    template_hash = None
    if llm_criteria and not judge.models():
        llm_scores = _invalid_all(llm_criteria, spec, NO_JUDGE, "no_judge")
    elif llm_criteria:
        llm_scores, results, template_hash = await _judge_llm(transcript, rubric, judge, hub, scenario)
    else:
        llm_scores = []
    check_scores, check_stats = await _judge_checks(transcript, spec, hub, judge)
    by_id = {s.criterion_id: s for s in llm_scores + check_scores}
    criteria = [by_id[c.id] for c in spec.criteria]
    decision = score_rubric(criteria, spec)
    stats = [r.stats for r in results if r.stats is not None] + check_stats
    usage, cost = total_usage(stats)
    extras = sorted({e for r in results for e in r.extras})
    return RubricVerdict(
        transcript_hash=transcript.content_hash(),
        provenance=make_provenance(rubric, judge, template_hash),
        outcome=decision.outcome,
        score=decision.score,
        criteria=criteria,
        invalid_reason=decision.invalid_reason,
        usage=usage,
        cost_usd=cost,
        judge_calls=len(stats),
        cached_calls=sum(1 for s in stats if s.cached),
        fail_reasons=decision.fail_reasons,
        invalid_criteria=decision.invalid_criteria,
        flags=[f"extra_criterion:{e}" for e in extras],
    )
