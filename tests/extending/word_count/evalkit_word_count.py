"""A check kind in one module: `word_count: {max: 120, on: agent}` fails a trial whose messages run long.

A package installs it with one entry point in its pyproject.toml (docs/extending.md):

    [project.entry-points."evalkit.checks"]
    word_count = "evalkit_word_count"
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from evalkit.judging.check_api import CheckContext, Evidence, Finding, Speaker, clip, register_check


class WordCountSpec(BaseModel):
    """What goes under `word_count:` in YAML; also the source of its JSON Schema."""

    model_config = ConfigDict(extra="forbid")
    max: int = Field(gt=0, description="Most words one message may have.")
    on: Speaker = Field(default="agent", description="Whose messages are counted: agent, user or any.")


@register_check(
    "word_count", doc="Passes when no message written by `on` has more than `max` words.", spec=WordCountSpec
)
def word_count(spec: WordCountSpec, ctx: CheckContext) -> Finding:
    counted = [(turn, len(text.split()), text) for turn, text in ctx.said(spec.on)]
    over = [(turn, words, text) for turn, words, text in counted if words > spec.max]
    if over:
        turn, words, text = over[0]
        return Finding(
            passed=False,
            reasoning=f"{len(over)} {spec.on} message(s) over {spec.max} words; turn {turn} has {words}",
            evidence=[Evidence(turn=turn, quote=clip(text), verified=True)],
        )
    longest = max((words for _, words, _ in counted), default=0)
    return Finding(passed=True, reasoning=f"longest {spec.on} message has {longest} words (max {spec.max})")
