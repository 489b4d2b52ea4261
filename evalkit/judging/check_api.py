"""What a check module needs, in one import: register a kind, read the transcript, return a Finding.

A check kind is one module (see docs/extending.md):

    class WordCountSpec(BaseModel):
        max: int

    @register_check("word_count", doc="Every agent message has at most `max` words.", spec=WordCountSpec)
    def word_count(spec: WordCountSpec, ctx: CheckContext) -> Finding:
        ...

The evaluator gets the validated value under its key and a `CheckContext`; it returns a `Finding`
(passed True / False, or None when it cannot tell, which makes the criterion invalid), or an
awaitable of one when it must ask a model (`ctx.hub`, as `claims_match_actions` does). An exception
it raises is recorded as an invalid finding; it never crashes the run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

from evalkit.conversation.transcript import Transcript
from evalkit.judging.check_common import Finding, clip, spoken_turns, tool_calls
from evalkit.judging.verdict import Evidence
from evalkit.llm.source import ModelSource
from evalkit.spec.check_registry import CHECKS, register_check
from evalkit.spec.checks import Check, Speaker
from evalkit.spec.models import JudgeConfig


@dataclass(frozen=True)
class CheckContext:
    """One evaluation of one check: the check as written, the transcript, and the model seam if any."""

    check: Check
    transcript: Transcript
    hub: ModelSource | None = None  # the run's model source; None where no model may be called (evaluate_check)
    default_judge: JudgeConfig | None = None  # the rubric's or suite's judge, for checks that ask a model

    def said(self, on: Speaker | None = None) -> list[tuple[int, str]]:
        """(turn number, text) of every message written by `on` (default: the check's `on`)."""
        return spoken_turns(self.transcript, on or self.check.on)


Evaluator: TypeAlias = Callable[[Any, CheckContext], Finding | Awaitable[Finding]]

__all__ = [
    "CHECKS",
    "CheckContext",
    "Evaluator",
    "Evidence",
    "Finding",
    "Speaker",
    "clip",
    "register_check",
    "spoken_turns",
    "tool_calls",
]
