"""The two steps the scheduler runs per work item, injectable.

The scheduler only knows "produce a transcript" and "judge it". The defaults call
`evalkit.conversation.run_session` and `evalkit.judging`; tests and special runs
pass plain async functions instead, so concurrency, budgets, cancellation and
resume are testable without any model.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from evalkit.conversation.transcript import Transcript
from evalkit.judging.verdict import CriterionScore, Outcome, RubricVerdict
from evalkit.llm.source import ModelSource
from evalkit.run.config import RunConfig
from evalkit.run.plan import WorkItem

EventSink = Callable[[str, dict[str, Any]], None]


class Judgement(BaseModel):
    """Everything judging produced for one transcript, and the trial's decided outcome."""

    verdicts: list[RubricVerdict] = Field(default_factory=list)
    checks: list[CriterionScore] = Field(default_factory=list)
    outcome: Outcome
    score: float | None = None
    fail_reasons: list[str] = Field(default_factory=list)
    invalid_reason: str | None = None


@dataclass
class StageContext:
    """What a stage may use: the run's id and config, the model hub, and the event log."""

    run_id: str
    config: RunConfig
    hub: ModelSource
    emit: EventSink  # emit(kind, payload) appends to events.jsonl


SessionStage = Callable[[WorkItem, StageContext], Awaitable[Transcript]]
JudgeStage = Callable[[WorkItem, Transcript, StageContext], Awaitable[Judgement]]


@dataclass
class Stages:
    """The pipeline per work item. `None` means the real stage."""

    session: SessionStage | None = None
    judge: JudgeStage | None = None

    def resolved(self) -> tuple[SessionStage, JudgeStage]:
        from evalkit.run.judge_stage import judge_session
        from evalkit.run.session_stage import run_item_session

        return self.session or run_item_session, self.judge or judge_session
