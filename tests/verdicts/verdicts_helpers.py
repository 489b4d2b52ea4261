"""Small transcript builders for verdict tests (module name unique across test dirs)."""

from __future__ import annotations

from typing import Any

from evalkit.conversation.transcript import TerminationReason, Transcript, TranscriptMessage, TranscriptMeta


def build(
    *turns: tuple[str, str], termination: TerminationReason = TerminationReason.user_stop, **extra: Any
) -> Transcript:
    """turns: ("user", text) | ("agent", text); a user turn starts a new turn number."""
    messages: list[TranscriptMessage] = []
    turn = 0
    for kind, text in turns:
        turn += kind == "user"
        role = "user" if kind == "user" else "assistant"
        messages.append(TranscriptMessage(role=role, content=text, turn=turn))
    return Transcript(meta=TranscriptMeta(scenario_id="s"), messages=messages, termination=termination, **extra)
