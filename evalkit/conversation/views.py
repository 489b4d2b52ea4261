"""Two views of one conversation: the agent's, and the simulator's with roles flipped.

The agent sees everything it produced (its tool calls and their results) so a
stateless agent can rebuild its state from the history. The simulator plays the
user, so it sees only what a real user would: the agent's visible text as the
*other* party (role "user") and its own earlier messages as "assistant".
"""

from __future__ import annotations

from collections.abc import Iterable

from evalkit.conversation.transcript import Transcript, TranscriptMessage
from evalkit.llm.types import Message


def agent_view(messages: Iterable[TranscriptMessage] | Transcript) -> list[Message]:
    """The conversation so far as the agent under test receives it (no system messages)."""
    items = messages.messages if isinstance(messages, Transcript) else messages
    return [m.to_message() for m in items if m.role != "system"]


def simulator_view(
    messages: Iterable[TranscriptMessage] | Transcript, *, system_prompt: str, kickoff: str
) -> list[Message]:
    """The conversation with roles flipped for the simulator model.

    Starts with the system prompt and a `kickoff` user message (so the flipped
    history always opens with "user", as Anthropic requires); consecutive
    messages of one side are merged so roles alternate.
    """
    items = messages.messages if isinstance(messages, Transcript) else messages
    flipped: list[Message] = [Message(role="system", content=system_prompt), Message(role="user", content=kickoff)]
    for m in items:
        if m.role == "user":
            role = "assistant"
        elif m.role == "assistant" and m.content.strip():
            role = "user"
        else:
            continue  # tool traffic and tool-call-only steps are invisible to the user
        if flipped[-1].role == role:  # merge (an agent that spoke first joins the kickoff)
            flipped[-1] = Message(role=role, content=f"{flipped[-1].content}\n\n{m.content}")
        else:
            flipped.append(Message(role=role, content=m.content))
    return flipped
