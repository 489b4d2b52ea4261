"""Frozen user turns: replay an earlier transcript's user side to isolate an agent change.

Replay goes turn by turn with zero simulator calls, including the recorded end
signal. After each agent turn the new reply is compared with the recorded one at
the same turn; the agent has **diverged** (and the live simulator takes over from
the next user turn) when

* the sequence of tool calls differs (name and arguments, in order), or
* the visible text differs materially: after lowercasing, dropping punctuation and
  collapsing whitespace, `difflib` similarity is below `frozen_similarity` (0.85), or
* the recorded transcript has no agent reply at that turn.

A replayed turn keeps its recorded `scripted` flag and is marked `replayed`.
"""

from __future__ import annotations

import json
import re
from difflib import SequenceMatcher

from pydantic import BaseModel

from evalkit.conversation.transcript import Transcript
from evalkit.llm.types import Message

_PUNCT = re.compile(r"[^\w\s]")
_SPACE = re.compile(r"\s+")


class ReplayedTurn(BaseModel):
    """A recorded user turn: its text (None when the user only ended), and the end it carried."""

    text: str | None
    scripted: bool = False
    end_reason: str | None = None


class FrozenReplay:
    """Serves the recorded user turns of `source` until the agent diverges."""

    def __init__(self, source: Transcript, similarity: float = 0.85) -> None:
        self.source = source
        self.similarity = similarity
        self.source_hash = source.content_hash()
        self.diverged_at: int | None = None
        self._last_user_turn = source.turns

    @property
    def active(self) -> bool:
        return self.diverged_at is None

    def user_turn(self, turn: int) -> ReplayedTurn | None:
        """The recorded user turn, or None when nothing is recorded (the live simulator takes over)."""
        if not self.active:
            return None
        users = self.source.messages_in_turn(turn, "user")
        agent_replied = bool(self.source.messages_in_turn(turn, "assistant"))
        ends = self.source.user_end_reason if turn == self._last_user_turn and not agent_replied else None
        if users:
            return ReplayedTurn(text=users[0].content, scripted=users[0].scripted, end_reason=ends)
        if turn == self._last_user_turn + 1 and self.source.user_end_reason:
            return ReplayedTurn(text=None, end_reason=self.source.user_end_reason)
        return None

    def check(self, turn: int, produced: list[Message]) -> bool:
        """Compare the agent's new turn with the recorded one; returns True (and records) on divergence."""
        if not self.active:
            return False
        recorded = [m.to_message() for m in self.source.messages_in_turn(turn, "assistant", "tool")]
        if not recorded or _calls(recorded) != _calls(produced) or not self._similar(recorded, produced):
            self.diverged_at = turn
            return True
        return False

    def _similar(self, a: list[Message], b: list[Message]) -> bool:
        left, right = _normal(_visible(a)), _normal(_visible(b))
        if left == right:
            return True
        return SequenceMatcher(None, left, right, autojunk=False).ratio() >= self.similarity


def _calls(messages: list[Message]) -> list[tuple[str, str]]:
    return [(c.name, json.dumps(c.arguments, sort_keys=True)) for m in messages for c in m.tool_calls]


def _visible(messages: list[Message]) -> str:
    return " ".join(m.content for m in messages if m.role == "assistant")


def _normal(text: str) -> str:
    return _SPACE.sub(" ", _PUNCT.sub(" ", text.lower())).strip()
