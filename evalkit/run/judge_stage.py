"""The real judging stage: every rubric of the scenario plus its checks, then the trial decision."""

from __future__ import annotations

import asyncio
from typing import Any

from evalkit.conversation.transcript import Transcript
from evalkit.judging import judge_transcript, run_checks
from evalkit.run.plan import WorkItem
from evalkit.run.stage_types import Judgement, StageContext
from evalkit.spec.models import JudgeConfig
from evalkit.verdicts.trial import decide_trial, decided_without_judge


def _override_judge(resolved: Any, judge_model: str | None) -> Any:
    """`judge_model` replaces the rubric's judge; the fingerprint stays (the model is in provenance)."""
    if not judge_model:
        return resolved
    judge = (resolved.rubric.judge or JudgeConfig()).model_copy(update={"model": judge_model, "panel": None})
    return resolved.model_copy(update={"rubric": resolved.rubric.model_copy(update={"judge": judge})})


def judging_setup(item: WorkItem, judge_model: str | None) -> tuple[JudgeConfig | None, list[Any]]:
    """The default judge and the rubrics (with any `judge_model` override) this item is judged with.

    `evalkit.run.calls` reads the same answer to say which judge models a session calls.
    """
    default_judge = JudgeConfig(model=judge_model) if judge_model else item.suite.suite.judge
    return default_judge, [_override_judge(r, judge_model) for r in item.suite.rubrics_for(item.scenario)]


async def judge_session(item: WorkItem, transcript: Transcript, ctx: StageContext) -> Judgement:
    """Judge a finished transcript; judge failures come back as invalid scores, never as exceptions.

    A session whose agent never ran (an error) or that was spoiled by something other than
    the agent (invalid) is decided without the judge: judging it would only cost money.
    """
    settled = decided_without_judge(transcript)
    if settled is not None:
        return Judgement(outcome=settled.outcome, invalid_reason=settled.invalid_reason)
    default_judge, rubrics = judging_setup(item, ctx.config.judge_model)
    verdicts = list(
        await asyncio.gather(
            *(judge_transcript(transcript, r, ctx.hub, default_judge, scenario=item.scenario) for r in rubrics)
        )
    )
    checks = await run_checks(transcript, list(item.scenario.checks), ctx.hub, default_judge)
    decision = decide_trial(transcript, verdicts, checks)
    return Judgement(
        verdicts=verdicts,
        checks=checks,
        outcome=decision.outcome,
        score=decision.score,
        fail_reasons=list(decision.fail_reasons),
        invalid_reason=decision.invalid_reason,
    )
