"""Per-rubric output schemas for the judge, and reading one reply into per-criterion samples.

The schema advertised to the model is strict (one required key per criterion;
reasoning, evidence, score in that order, so the model reasons before it scores).
Validation is deliberately lenient about criterion keys and score values, so a
missing criterion, an extra one or an off-scale score invalidates only that
criterion (with its reason) instead of the whole reply.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from evalkit.judging.scoring import scale_bounds
from evalkit.judging.verdict import Evidence
from evalkit.spec.models import Criterion


def _closed(schema: dict[str, Any]) -> None:
    """Advertise every property as required and no others (what strict structured output wants)."""
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)
    schema["required"] = list(schema.get("properties", {}))
    schema["additionalProperties"] = False


class EvidenceItem(BaseModel):
    model_config = ConfigDict(json_schema_extra=_closed)

    turn: int = Field(description="Number of the turn the quote comes from.")
    quote: str = Field(description="Exact text copied from that turn.")


class Claim(BaseModel):
    model_config = ConfigDict(json_schema_extra=_closed)

    action: str = Field(description="Verb in base form, lower case: refund, cancel, update, ...")
    object: str = Field(default="", description="What the action was done to.")
    turn: int = Field(description="Number of the agent turn that makes the claim.")
    quote: str = Field(description="The exact sentence making the claim.")


class ClaimList(BaseModel):
    model_config = ConfigDict(json_schema_extra=_closed)

    claims: list[Claim] = Field(default_factory=list)


class SampleScore(BaseModel):
    """One criterion as read from one judge reply (before aggregation)."""

    raw: float | None  # None: invalid
    reasoning: str = ""
    evidence: list[Evidence] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)
    invalid_reason: str | None = None
    judge: str = ""


# (criterion id, low, high, binary): all a reply schema depends on, so equal rubrics share one class.
_Key = tuple[tuple[str, int, int, bool], ...]


def _score_schema(low: int, high: int, binary: bool) -> dict[str, Any]:
    if binary:
        return {"type": "boolean", "description": "true = yes, false = no"}
    return {"type": "integer", "description": f"integer from {low} to {high}"}


def _strict_item(low: int, high: int, binary: bool):
    def hook(schema: dict[str, Any]) -> None:
        schema["properties"]["score"] = _score_schema(low, high, binary)
        _closed(schema)

    return hook


def _strict_verdict(ids: list[str]):
    def hook(schema: dict[str, Any]) -> None:
        for key, prop in schema["properties"].items():
            branches = [b for b in prop.get("anyOf", []) if b.get("type") != "null"]
            if branches:
                schema["properties"][key] = branches[0]
        schema["required"] = list(ids)
        schema["additionalProperties"] = False

    return hook


def verdict_model(criteria: list[Criterion]) -> type[BaseModel]:
    """A pydantic model for a judge reply covering `criteria`, keyed by criterion id."""
    key = tuple((c.id, *scale_bounds(c), c.scale == "binary") for c in criteria)
    return _verdict_model(key)


@lru_cache(maxsize=512)
def _verdict_model(key: _Key) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for index, (cid, low, high, binary) in enumerate(key):
        item = create_model(
            "Criterion_" + re.sub(r"\W", "_", cid),
            __config__=ConfigDict(json_schema_extra=_strict_item(low, high, binary)),
            reasoning=(str, Field(default="", description="Assessment written before deciding the score.")),
            evidence=(list[EvidenceItem], Field(default_factory=list)),
            score=(Any, Field(default=None)),
        )
        fields[f"c{index}"] = (item | None, Field(default=None, alias=cid))
    config = ConfigDict(extra="allow", populate_by_name=True, json_schema_extra=_strict_verdict([k[0] for k in key]))
    return create_model("JudgeVerdict", __config__=config, **fields)


def _coerce(value: Any, criterion: Criterion) -> tuple[float | None, str | None]:
    """(raw score, None) or (None, reason): the JSON type the schema asks for, on the scale, or no number.

    A string ("5", "yes"), or 1 for a binary criterion, is off-scale, never coerced: a judge that
    ignores the schema's types is not trusted to have meant the value it wrote.
    """
    if criterion.scale == "binary":
        if isinstance(value, bool):
            return float(value), None
        return None, f"off_scale: binary score expected as JSON true or false, got {value!r}"
    low, high = scale_bounds(criterion)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not float(value).is_integer():
        return None, f"off_scale: integer {low}..{high} expected as a JSON number, got {value!r}"
    if not low <= value <= high:
        return None, f"off_scale: {value} is outside {low}..{high}"
    return float(value), None


def read_reply(parsed: BaseModel, criteria: list[Criterion], judge: str) -> tuple[dict[str, SampleScore], list[str]]:
    """Per-criterion samples from one validated reply, plus the ids of extra criteria the judge invented."""
    samples: dict[str, SampleScore] = {}
    for index, criterion in enumerate(criteria):
        item = getattr(parsed, f"c{index}", None)
        if item is None:
            samples[criterion.id] = SampleScore(
                raw=None,
                flags=["missing"],
                invalid_reason="missing: the judge did not score this criterion",
                judge=judge,
            )
            continue
        evidence = [Evidence(turn=e.turn, quote=e.quote) for e in item.evidence]
        raw, problem = _coerce(item.score, criterion)
        flags = [problem.split(":", 1)[0]] if problem else []
        samples[criterion.id] = SampleScore(
            raw=raw, reasoning=item.reasoning, evidence=evidence, flags=flags, invalid_reason=problem, judge=judge
        )
    extras = sorted((parsed.model_extra or {}).keys())
    return samples, extras
