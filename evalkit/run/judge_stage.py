"""The real judging stage: every rubric of the scenario plus its checks, then the trial decision."""

from __future__ import annotations

import asyncio
from typing import Any

from evalkit.conversation.transcript import Transcript
from evalkit.run.plan import WorkItem
from evalkit.run.stages import Judgement, StageContext


def _override_judge(rubric: Any, judge_model: str | None) -> Any:
    """`--judge-model` replaces the rubric's judge; the fingerprint stays (the model is in provenance)."""
    if not judge_model:
        return rubric
    from evalkit.spec.models import JudgeConfig

    judge = (rubric.rubric.judge or JudgeConfig()).model_copy(update={"model": judge_model, "panel": None})
    return rubric.__class__(**{**_fields(rubric), "rubric": rubric.rubric.model_copy(update={"judge": judge})})


def _fields(obj: Any) -> dict[str, Any]:
    if hasattr(obj, "model_dump"):
        return {name: getattr(obj, name) for name in type(obj).model_fields}
    return dict(vars(obj))


async def judge_session(item: WorkItem, transcript: Transcript, ctx: StageContext) -> Judgement:
    """Judge a finished transcript; judge failures come back as invalid scores, never as exceptions."""
    from evalkit.judging import decide_trial, judge_transcript, run_checks

    suite = item.suite.suite
    default_judge = suite.judge
    rubrics = [_override_judge(r, ctx.config.judge_model) for r in item.suite.rubrics_for(item.scenario)]
    verdicts = await asyncio.gather(*(judge_transcript(transcript, r, ctx.hub, default_judge) for r in rubrics))
    checks = await run_checks(transcript, list(item.scenario.checks), ctx.hub) if item.scenario.checks else []
    decision = decide_trial(transcript, list(verdicts), checks)
    return Judgement(
        verdicts=list(verdicts),
        checks=checks,
        outcome=decision.outcome,
        score=getattr(decision, "score", None),
        fail_reasons=list(getattr(decision, "fail_reasons", None) or getattr(decision, "reasons", None) or []),
        invalid_reason=getattr(decision, "invalid_reason", None),
    )
