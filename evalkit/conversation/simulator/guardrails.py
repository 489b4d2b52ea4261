"""Cheap, deterministic checks on every simulated user turn.

A simulator that forgets it is the user, pastes its instructions, invents facts
it was told it does not know, or quits too early produces a conversation that
says nothing about the agent. Each check returns a detail string when it fires.

Defaults (override per guardrail with `simulator.guardrails: {name: warn|invalidate|off}`):

=================  ==========  ==========================================================
guardrail          default     why
=================  ==========  ==========================================================
empty_reply        invalidate  retried once; a second empty reply ends as simulator_error
truncated_reply    invalidate  the reply hit the token limit: the user's message is cut off
out_of_character   invalidate  the simulator refused, or wrote something no user would (no letter
                               or digit, a raw JSON value, U+FFFD replacement characters)
role_flip          invalidate  the "user" talks like the assistant: the test is void
goal_copy          warn        unnatural but the agent still faced the real request
unknown_disclosed  invalidate  the user invented a fact the scenario withholds
early_stop         invalidate  the scenario demanded more turns than the user gave
=================  ==========  ==========================================================
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Literal

from evalkit.conversation.transcript import GuardrailFlag

Action = Literal["warn", "invalidate", "off"]

DEFAULT_ACTIONS: dict[str, Action] = {
    "empty_reply": "invalidate",
    "truncated_reply": "invalidate",
    "out_of_character": "invalidate",
    "role_flip": "invalidate",
    "goal_copy": "warn",
    "unknown_disclosed": "invalidate",
    "early_stop": "invalidate",
}

_ROLE_FLIP = re.compile(
    r"\bas an ai\b|\bi(?:'m| am) an? (?:ai|virtual assistant|language model|support agent)\b"
    r"|\bhow (?:can|may) i (?:help|assist) you\b|\bis there anything else i can (?:help|do)\b"
    r"|\bi(?:'d| would) be (?:happy|glad) to (?:help|assist) you\b|\bthank you for contacting\b",
    re.I,
)
_NEGATION = re.compile(r"\b(?:not|no|don'?t|doesn'?t|can'?t|cannot|never|unsure|forgot|forget)\b|n't\b", re.I)
_WORD = re.compile(r"[a-z0-9@]+(?:[.-][a-z0-9]+)*")


def resolve_actions(overrides: Mapping[str, Action]) -> dict[str, Action]:
    """Defaults merged with the suite's overrides; unknown names are a configuration error."""
    unknown = sorted(set(overrides) - set(DEFAULT_ACTIONS))
    if unknown:
        raise ValueError(f"simulator.guardrails: unknown guardrail(s) {unknown}; expected {sorted(DEFAULT_ACTIONS)}")
    return {**DEFAULT_ACTIONS, **overrides}


def is_empty(text: str) -> bool:
    return not text.strip()


def role_flip(text: str) -> str | None:
    match = _ROLE_FLIP.search(text)
    return f"the simulated user wrote like the assistant: {match.group(0)!r}" if match else None


def truncated_reply(truncated: bool) -> str | None:
    return "the simulated user's reply was cut off at the token limit (finish_reason length)" if truncated else None


def out_of_character(text: str, refusal: str | None) -> str | None:
    """A refusal, or text that is not a user speaking: no letter or digit, a raw JSON value, or U+FFFD."""
    if refusal is not None:
        return f"the simulator refused to play the user: {refusal[:200]!r}"
    stripped = text.strip()
    if not stripped:
        return None
    if not any(ch.isalnum() for ch in stripped):
        return f"the simulated user's reply has no letter or digit: {stripped[:80]!r}"
    if "\ufffd" in stripped:
        return "the simulated user's reply holds U+FFFD replacement characters (garbled bytes)"
    if stripped[0] in "[{" and (_is_json(stripped) or _JSON_START.match(stripped)):
        return f"the simulated user's reply is a raw JSON value, not speech: {stripped[:80]!r}"
    return None


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


# A JSON object or array cut short or broken (`{"broken": "json", `): no person opens a reply like this.
_JSON_START = re.compile(r'[\[{]\s*"[^"\n]*"\s*[:,\]]')


def goal_copy(text: str, goal: str) -> str | None:
    """Fires when the reply contains the goal almost verbatim (>= 80% of its words in a row, at least 6)."""
    goal_words, reply_words = _words(goal), _words(text)
    need = max(6, -(-len(goal_words) * 4 // 5))
    if len(goal_words) < need:
        return None
    longest = _longest_common_run(goal_words, reply_words)
    if longest >= need:
        return f"the simulated user repeated {longest} of the goal's {len(goal_words)} words verbatim"
    return None


def unknown_disclosed(text: str, unknown: list[str]) -> str | None:
    """Fires when the user states a value for a fact the scenario says they do not know.

    Looks for "<fact> is ..." / "<fact>: ..." with no negation nearby ("I don't know my
    home address" is the wanted behaviour, "my home address is 5 Elm St" is not).
    """
    for fact in unknown:
        pattern = re.compile(rf"\b{re.escape(fact.strip())}\b\s*(?:is|'s|are|was|:|=)\s*(?P<value>[^.?!\n]*)", re.I)
        for match in pattern.finditer(text):
            value = match.group("value").strip()
            before = text[max(0, match.start() - 40) : match.start()]
            if value and not _NEGATION.search(before) and not _NEGATION.search(value[:40]):
                return f"the simulated user stated the unknown fact '{fact}': {match.group(0).strip()!r}"
    return None


def early_stop(turns_done: int, min_turns: int) -> str | None:
    if turns_done < min_turns:
        return f"the simulated user ended after {turns_done} turn(s); the scenario requires at least {min_turns}"
    return None


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _longest_common_run(a: list[str], b: list[str]) -> int:
    best = 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, start=1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


class Guardrails:
    """The guardrails of one session: resolved actions plus the scenario facts they check against."""

    def __init__(self, overrides: Mapping[str, Action], *, goal: str, unknown: list[str]) -> None:
        self.actions = resolve_actions(overrides)
        self.goal = goal
        self.unknown = unknown

    def check_text(self, text: str, turn: int) -> list[GuardrailFlag]:
        """Role flip, goal copy and unknown-fact disclosure on one user message (checks that are off are skipped)."""
        if is_empty(text):
            return []
        checks = {
            "role_flip": lambda: role_flip(text),
            "goal_copy": lambda: goal_copy(text, self.goal),
            "unknown_disclosed": lambda: unknown_disclosed(text, self.unknown),
        }
        return [flag for name, check in checks.items() if (flag := self._flag(name, turn, check))]

    def check_reply(self, text: str, *, refusal: str | None, truncated: bool, turn: int) -> list[GuardrailFlag]:
        """Truncation and out-of-character replies (a refusal, garbage): what the model returned, not what it said."""
        checks = {
            "truncated_reply": lambda: truncated_reply(truncated),
            "out_of_character": lambda: out_of_character(text, refusal),
        }
        return [flag for name, check in checks.items() if (flag := self._flag(name, turn, check))]

    def check_end(self, turns_done: int, min_turns: int, turn: int) -> list[GuardrailFlag]:
        flag = self._flag("early_stop", turn, lambda: early_stop(turns_done, min_turns))
        return [flag] if flag else []

    def _flag(self, name: str, turn: int, check: Callable[[], str | None]) -> GuardrailFlag | None:
        action = self.actions[name]
        if action == "off":
            return None
        detail = check()
        return GuardrailFlag(name=name, turn=turn, detail=detail, action=action) if detail else None
