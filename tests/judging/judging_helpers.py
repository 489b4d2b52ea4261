"""Transcript builders for judging tests (module name unique across test dirs)."""

from __future__ import annotations

from typing import Any

from evalkit.conversation.transcript import TerminationReason, ToolResult, Transcript, TranscriptMessage, TranscriptMeta
from evalkit.llm.types import ToolCall


def build(
    *turns: tuple[str, Any], termination: TerminationReason = TerminationReason.user_stop, **extra: Any
) -> Transcript:
    """turns: ("user", text) | ("agent", text) | ("call", (name, args, ok_or_error)) | ("agent_lat", (text, seconds)).

    A "call" adds an agent message with the tool call followed by its tool result.
    """
    messages: list[TranscriptMessage] = []
    turn = 0
    for index, (kind, value) in enumerate(turns):
        if kind == "user":
            turn += 1
            messages.append(TranscriptMessage(role="user", content=value, turn=turn))
        elif kind == "agent":
            messages.append(TranscriptMessage(role="assistant", content=value, turn=turn))
        elif kind == "agent_lat":
            messages.append(TranscriptMessage(role="assistant", content=value[0], latency_s=value[1], turn=turn))
        elif kind == "call":
            name, args, status = value
            call = ToolCall(id=f"call{index}", name=name, arguments=args)
            messages.append(TranscriptMessage(role="assistant", tool_calls=[call], turn=turn))
            if status is not None:
                error = None if status is True else str(status)
                output = {"status": "done"} if error is None else None
                messages.append(
                    TranscriptMessage(
                        role="tool",
                        tool_result=ToolResult(call_id=call.id, name=name, output=output, error=error),
                        turn=turn,
                    )
                )
        else:
            raise ValueError(kind)
    return Transcript(
        meta=TranscriptMeta(scenario_id="refund-damaged-item"), messages=messages, termination=termination, **extra
    )


def resolved_rubric(data: dict[str, Any], template_text: str | None = None):
    """A ResolvedRubric for a rubric dict (fingerprint fixed for assertions)."""
    from pathlib import Path

    from evalkit.spec.models import Rubric
    from evalkit.spec.rubrics import ResolvedRubric

    return ResolvedRubric(
        rubric=Rubric.model_validate(data),
        fingerprint="fp-test",
        path=Path("rubrics/test.yaml"),
        template_text=template_text,
    )


SUPPORT = {
    "id": "support.resolution",
    "version": 2,
    "judge": {"model": "openai:judge-1"},
    "threshold": 0.75,
    "criteria": [
        {"id": "resolved", "question": "Did the agent fully achieve the user's goal?", "weight": 2, "must_pass": True},
        {
            "id": "tone",
            "question": "Courteous?",
            "scale": {"min": 1, "max": 5},
            "anchors": {1: "Rude", 3: "Neutral", 5: "Warm"},
        },
        {"id": "no_card_numbers", "check": {"not_regex": "\\b\\d{16}\\b"}},
    ],
}


def item(score: Any, *quotes: tuple[int, str], reasoning: str = "looked at it") -> dict[str, Any]:
    return {"reasoning": reasoning, "evidence": [{"turn": t, "quote": q} for t, q in quotes], "score": score}


GOOD = {
    "resolved": item(True, (3, "refund_order"), (5, "I've refunded order 1234")),
    "tone": item(4, (2, "I'm sorry to hear that!")),
}
