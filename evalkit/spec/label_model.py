"""The label model: one judgement of one transcript under one rubric version (a line of a labels file).

Kept apart from the loader (`evalkit.spec.labels`) so the JSON Schema export can
import it without the rubric machinery.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

REF = r"^[A-Za-z0-9_.-]+@[0-9]+$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Citation(_Strict):
    """A turn the labeller points at (the judge's numbering), optionally with the words that matter there."""

    turn: int = Field(ge=1, description="1-based message number, as the judge sees the transcript.")
    quote: str = Field(default="", description='Text that must occur in that turn ("..." may skip text).')


class CriterionLabel(_Strict):
    """One criterion's score: true/false for a binary criterion, an integer min..max for a scale."""

    score: bool | int = Field(description="Binary: true or false (not 0/1). Scale: an integer from min to max.")
    cited: list[Citation] = Field(default_factory=list)
    note: str = ""


class Label(_Strict):
    """One judgement of one transcript under one rubric version, by one labeller."""

    transcript: str = Field(min_length=1, description="Transcript JSON file, relative to this labels file.")
    transcript_hash: str = Field(
        pattern=r"^[0-9a-f]{8,64}$", description="The transcript's content hash (as trials.jsonl records it)."
    )
    rubric: str = Field(pattern=REF, description="'id@version' the labeller scored against.")
    rubric_fingerprint: str = Field(min_length=1, description="That rubric's fingerprint at labelling time.")
    labeller: str | None = Field(default=None, description="Who labelled; empty on an unlabelled stub.")
    date: dt.date | None = Field(default=None, description="When it was labelled (YYYY-MM-DD).")
    source: Literal["human", "constructed"] = "human"
    cluster: str = Field(min_length=1, description="The scenario id: intervals cluster by it.")
    split: Literal["dev", "holdout"] = Field(description="Only holdout labels calibrate; dev is for prompt debugging.")
    agent_model: str | None = None
    run_id: str | None = None
    criteria: dict[str, CriterionLabel] = Field(
        default_factory=dict,
        description="Criterion id -> score; empty on an unlabelled stub.",
        json_schema_extra={"propertyNames": {"pattern": "^[A-Za-z0-9_.-]+$"}},
    )
    verdict: Literal["pass", "fail"] | None = Field(default=None, description="Optional overall verdict.")
    note: str = ""
    inclusion_probability: float | None = Field(
        default=None, gt=0, le=1, description="Chance this trial was drawn (set by `evalkit labels sample`; for PPI)."
    )

    @field_validator("date", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"{value!r} is not a date (expected YYYY-MM-DD, e.g. 2026-12-01)") from None
        return value

    @property
    def labelled(self) -> bool:
        return bool(self.criteria) or self.verdict is not None

    def line(self) -> str:
        """The JSONL line for this label (no newline): unset optional fields left out."""
        return json.dumps(self.model_dump(mode="json", exclude_none=True), ensure_ascii=False, separators=(", ", ": "))
