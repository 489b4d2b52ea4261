"""The judge's view of a transcript: numbered turns, escaped so content cannot close its delimiters.

Turn numbers are the 1-based positions of the transcript's messages (system
messages included, tool results as their own turns). Evidence cites these
numbers, claims cite them, and reports can show them next to each message, so
"turn 4" means the same thing to the judge, the evidence check and the reader.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from typing import Any

from pydantic import BaseModel

from evalkit.conversation.transcript import Transcript, TranscriptMessage

ROLE_NAMES = {"assistant": "agent", "user": "user", "tool": "tool", "system": "system"}

# Anything that looks like an opening or closing tag of the data block or of a turn:
# "<transcript", "</transcript", "< / TURN", ... ; the "<" becomes "&lt;" so it is inert.
_DELIMITER_LIKE = re.compile(r"<(\s*/?\s*)(transcript|turn)\b", re.IGNORECASE)
# Control characters (C0, DEL, C1), line/paragraph separators and other non-printing format characters.
_UNSAFE_IN_ATTR = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


class TurnView(BaseModel):
    """One numbered message as the judge sees it."""

    n: int
    role: str  # user | agent | tool | system
    text: str  # raw body: content, tool calls and tool result, exactly as rendered before escaping
    body: str  # `text` with delimiter-like sequences escaped; what goes into the prompt
    tool_name: str | None = None  # escaped for the turn header's attribute (see escape_attr)
    tool_status: str | None = None  # ok | error on tool turns


def escape_data(text: str, nonce: str) -> str:
    """Neutralise delimiter-like text so transcript content cannot end the data block."""
    escaped = _DELIMITER_LIKE.sub(lambda m: "&lt;" + m.group(1) + m.group(2), text)
    return escaped.replace(nonce, "[nonce]") if nonce else escaped


def escape_attr(value: str, nonce: str) -> str:
    """An agent-chosen string made safe inside a turn header's double-quoted attribute.

    Quotes and angle brackets would end the attribute or the header and start a forged turn;
    line breaks and other control or separator characters would put text on a line of its own.
    Honest names (letters, digits, `_`, `-`, `.`) come out unchanged.
    """
    escaped = html.escape(value, quote=True)
    escaped = _UNSAFE_IN_ATTR.sub(lambda m: f"&#x{ord(m.group(0)):x};", escaped)
    return escaped.replace(nonce, "[nonce]") if nonce else escaped


def _dump(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def message_text(message: TranscriptMessage) -> str:
    """The text the judge sees for one message (before escaping).

    A tool message shows its structured result (the error, or the output as
    sorted JSON) rather than its raw content, which usually repeats it. A refusal
    and a reply cut off at the token limit are said in brackets, so the judge
    does not read an empty or half turn as the agent's whole answer.
    """
    result = message.tool_result
    if result is not None:
        if result.error is not None:
            return f"[error] {result.error}"
        return _dump(result.output) if result.output is not None else message.content
    parts = [message.content] if message.content else []
    parts += [f"[tool call {call.name} {_dump(call.arguments)}]" for call in message.tool_calls]
    if message.refusal is not None:
        parts.append(f"[refused: {message.refusal}]")
    if message.truncated:
        parts.append("[reply cut off at the token limit]")
    return "\n".join(parts)


def turn_nonce(transcript: Transcript, salt: str = "") -> str:
    """Hash-derived, so identical transcripts render identical prompts (and hit the cache).

    The nonce depends on the content it wraps, so content cannot be written to
    contain its own nonce; it is also replaced if it appears.
    """
    return hashlib.sha256(f"{transcript.content_hash()}|{salt}".encode()).hexdigest()[:12]


def numbered_turns(transcript: Transcript, nonce: str = "") -> list[TurnView]:
    """All messages of the transcript, numbered from 1, with escaped bodies."""
    views = []
    for n, message in enumerate(transcript.messages, start=1):
        text = message_text(message)
        result = message.tool_result
        views.append(
            TurnView(
                n=n,
                role=ROLE_NAMES[message.role],
                text=text,
                body=escape_data(text, nonce),
                tool_name=escape_attr(result.name, nonce) if result else None,
                tool_status=("ok" if result.ok else "error") if result else None,
            )
        )
    return views
