"""What a re-judge is asked to do, and the one error it raises for bad input."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class RejudgeError(Exception):
    """The re-judge cannot start; the message is one line naming the run, the key and what was expected."""


class RejudgeConfig(BaseModel):
    """A re-judge of `run_dir`: the rubric versions to swap in and/or another judge model."""

    run_dir: Path
    rubrics: list[str] = Field(default_factory=list, description="id@version refs replacing the same ids' versions.")
    judge_model: str | None = Field(default=None, description="Replaces every rubric's and suite's judge model.")
    report_dir: Path | None = Field(
        default=None, description="Parent of the new run directory (default: the original's)."
    )
    resume: str | None = Field(default=None, description="An interrupted re-judge's run directory to finish.")
    offline: bool = False
    live: bool = False
    base_urls: dict[str, str] = Field(default_factory=dict, description="provider -> base_url (a local endpoint).")
    cache: bool = True
    max_cost_usd: float | None = Field(default=None, gt=0)
