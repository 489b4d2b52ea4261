"""The two steps the scheduler runs per work item, injectable.

The scheduler only knows "produce a transcript" and "judge it". The defaults call
`evalkit.conversation.run_session` and `evalkit.judging`; tests and special runs
pass plain async functions instead, so concurrency, budgets, cancellation and
resume are testable without any model. The types a stage sees live in
`evalkit.run.stage_types` (re-exported here).
"""

from __future__ import annotations

from dataclasses import dataclass

from evalkit.run.judge_stage import judge_session
from evalkit.run.session_stage import run_item_session
from evalkit.run.stage_types import EventSink, Judgement, JudgeStage, SessionStage, StageContext

__all__ = ["EventSink", "JudgeStage", "Judgement", "SessionStage", "StageContext", "Stages"]


@dataclass
class Stages:
    """The pipeline per work item. `None` means the real stage."""

    session: SessionStage | None = None
    judge: JudgeStage | None = None

    def resolved(self) -> tuple[SessionStage, JudgeStage]:
        return self.session or run_item_session, self.judge or judge_session
