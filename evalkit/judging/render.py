"""Rendering judge prompts from jinja2 templates (sandboxed, strict undefined).

A template renders the user message; a top-level `{% set system %}...{% endset %}`
block, if present, becomes the system message. The transcript is pre-rendered
by the fixed `judge/transcript.j2` into a nonce-delimited data block with every
delimiter-like sequence in the content escaped, so a custom rubric template can
change the instructions but cannot weaken the data boundary.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel

from evalkit.conversation.transcript import Transcript
from evalkit.judging.scoring import scale_bounds
from evalkit.judging.turns import TurnView, escape_data, numbered_turns, turn_nonce
from evalkit.llm.types import Message
from evalkit.spec.models import Criterion, Rubric, Scenario

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
DEFAULT_JUDGE_TEMPLATE = "judge/rubric.j2"
CLAIMS_TEMPLATE = "judge/claims.j2"
_TRANSCRIPT_TEMPLATE = "judge/transcript.j2"

_ENV = SandboxedEnvironment(
    loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
    undefined=jinja2.StrictUndefined,
    autoescape=False,
    keep_trailing_newline=True,
)


class RenderError(Exception):
    """A judge template failed to render (syntax error or undefined variable)."""


class JudgePrompt(BaseModel):
    system: str | None
    user: str
    template_hash: str
    nonce: str
    turns: list[TurnView]

    def messages(self) -> list[Message]:
        head = [Message(role="system", content=self.system)] if self.system else []
        return [*head, Message(role="user", content=self.user)]


def template_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@lru_cache(maxsize=32)
def builtin_template(name: str) -> str:
    """A packaged template's text, read once per process."""
    return (TEMPLATE_DIR / name).read_text(encoding="utf-8")


def criterion_view(criterion: Criterion) -> dict[str, Any]:
    low, high = scale_bounds(criterion)
    anchors: list[tuple[int | str, str]] = sorted((criterion.anchors or {}).items())
    if criterion.scale == "binary" and anchors:
        anchors = [("true" if k else "false", v) for k, v in anchors]
    return {
        "id": criterion.id,
        "question": criterion.question or "",
        "scale": "binary" if criterion.scale == "binary" else "scale",
        "min": low,
        "max": high,
        "anchors": anchors,
    }


@lru_cache(maxsize=256)
def _compile(text: str) -> jinja2.Template:
    """Compiled once per distinct template text: compiling costs far more than rendering."""
    return _ENV.from_string(text)


def _render(text: str, context: dict[str, Any]) -> tuple[str, str | None]:
    try:
        module = _compile(text).make_module(context)
    except jinja2.TemplateError as exc:
        raise RenderError(f"judge template: {type(exc).__name__}: {exc}") from exc
    system = getattr(module, "system", None)
    return str(module), (str(system).strip() if system is not None else None)


def render_prompt(
    template_text: str, transcript: Transcript, salt: str, extra: dict[str, Any], show_state: bool = False
) -> JudgePrompt:
    """Render any judge-side template around the transcript's delimited data block (with the agent's final
    state inside it, escaped like a turn, when `show_state`)."""
    nonce = turn_nonce(transcript, salt)
    turns = numbered_turns(transcript, nonce)
    state = _state_text(transcript, nonce) if show_state else None
    block = _ENV.get_template(_TRANSCRIPT_TEMPLATE).render(
        turns=turns, nonce=nonce, state=state, state_captured=transcript.state_error is None
    )
    user, system = _render(template_text, {**extra, "transcript": block, "turns": turns, "nonce": nonce})
    return JudgePrompt(
        system=system, user=user.strip() + "\n", template_hash=template_hash(template_text), nonce=nonce, turns=turns
    )


def _state_text(transcript: Transcript, nonce: str) -> str:
    """The final state as indented JSON, or why there is none; escaped so it cannot close the data block."""
    if transcript.state_error is not None or transcript.state is None:
        text = f"(not captured: {transcript.state_error or 'no state was recorded'})"
    else:
        text = json.dumps(transcript.state, indent=2, sort_keys=True, ensure_ascii=False)
    return escape_data(text, nonce)


def render_judge_prompt(
    transcript: Transcript,
    rubric: Rubric,
    criteria: list[Criterion],
    template_text: str | None = None,
    scenario: Scenario | None = None,
) -> JudgePrompt:
    """The rubric judge prompt for `criteria` (all LLM criteria, or one with granularity=criterion)."""
    text = template_text if template_text is not None else builtin_template(DEFAULT_JUDGE_TEMPLATE)
    context = {
        "rubric": {"id": rubric.id, "version": rubric.version, "description": rubric.description},
        "criteria": [criterion_view(c) for c in criteria],
        "scenario": {"goal": scenario.goal, "description": scenario.description} if scenario else None,
    }
    return render_prompt(
        text,
        transcript,
        salt=f"{rubric.ref}|{','.join(c.id for c in criteria)}",
        extra=context,
        show_state=rubric.show_state,
    )


def render_claims_prompt(transcript: Transcript) -> JudgePrompt:
    return render_prompt(builtin_template(CLAIMS_TEMPLATE), transcript, salt="claims", extra={})
