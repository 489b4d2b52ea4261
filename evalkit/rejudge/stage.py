"""The session stage of a re-judge: the stored transcript, read back instead of a conversation (no model call)."""

from __future__ import annotations

from pathlib import Path

from evalkit.conversation.transcript import Transcript
from evalkit.run import StageContext, WorkItem
from evalkit.run.stage_types import SessionStage


def stored_transcripts(paths: dict[str, Path]) -> SessionStage:
    """A session stage answering each item with its transcript from the original run.

    A missing or unreadable file raises, which the scheduler records as that trial's failed session
    (never a pass); the transcript's own hash is kept, so both runs pair by session.
    """

    async def stage(item: WorkItem, ctx: StageContext) -> Transcript:
        path = paths[item.key]
        try:
            return Transcript.model_validate_json(path.read_bytes())
        except OSError as err:
            raise RuntimeError(f"stored transcript {path} cannot be read: {err.strerror}") from None
        except ValueError as err:
            raise RuntimeError(f"stored transcript {path} is not a transcript: {str(err).splitlines()[0]}") from None

    return stage
