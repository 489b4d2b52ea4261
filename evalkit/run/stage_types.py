"""What a stage is given and what it gives back: the run's context, the judgement, the two signatures.

Kept apart from `evalkit.run.stages` (which also names the real stages as defaults), so the real
stages and any replacement depend on these types alone and never on the choice of defaults.
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
    latency_s: float | None = None  # wall time judging took (the scheduler times it; a resume keeps it)


@dataclass
class StageContext:
    """What a stage may use: the run's id and config, the model hub, and the event log."""

    run_id: str
    config: RunConfig
    hub: ModelSource
    emit: EventSink  # emit(kind, payload) appends to events.jsonl


SessionStage = Callable[[WorkItem, StageContext], Awaitable[Transcript]]
JudgeStage = Callable[[WorkItem, Transcript, StageContext], Awaitable[Judgement]]
