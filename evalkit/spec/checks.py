"""Deterministic checks as users author them (evaluated by `evalkit.judging`).

One `Check` model covers every kind so a check reads the same as a rubric
criterion (`check: {not_regex: ..., on: agent}`) and as a scenario check
(`- tool_called: {name: refund_order}`). Exactly one kind key must be set.
"""

from __future__ import annotations

from typing import Any, Literal

import regex
from pydantic import BaseModel, ConfigDict, Field, model_validator

from evalkit.spec.problems import LocatedValueError

Speaker = Literal["agent", "user", "any"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ToolCalledSpec(_Strict):
    name: str
    args: dict[str, Any] = Field(default_factory=dict, description="Subset of arguments that must match.")
    count: int | None = Field(default=None, ge=0, description="Exact number of matching calls; default: at least one.")
    min_count: int | None = Field(default=None, ge=0)
    max_count: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _consistent_counts(self) -> "ToolCalledSpec":
        if self.count is not None and (self.min_count is not None or self.max_count is not None):
            key = "min_count" if self.min_count is not None else "max_count"
            message = f"'count' and '{key}' both set (expected either an exact count or a range)"
            raise LocatedValueError(message, (key,), at_key=True)
        if self.min_count is not None and self.max_count is not None and self.min_count > self.max_count:
            message = f"min_count {self.min_count} is above max_count {self.max_count} (expected min_count <= max_count)"
            raise LocatedValueError(message, ("min_count",))
        return self


class ToolSequenceSpec(_Strict):
    names: list[str] = Field(min_length=1)
    mode: Literal["strict", "in_order", "subset", "superset"] = "in_order"


class JsonSchemaSpec(_Strict):
    schema_: dict[str, Any] = Field(alias="schema")
    tool: str | None = Field(default=None, description="Validate this tool's call arguments instead of agent text.")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class BudgetSpec(_Strict):
    max_tokens: int | None = Field(default=None, gt=0)
    max_cost_usd: float | None = Field(default=None, gt=0)
    max_latency_s: float | None = Field(default=None, gt=0, description="Slowest single agent turn.")

    @model_validator(mode="after")
    def _some_limit(self) -> "BudgetSpec":
        if self.max_tokens is None and self.max_cost_usd is None and self.max_latency_s is None:
            raise LocatedValueError(
                "budget sets no limit (expected at least one of max_tokens, max_cost_usd, max_latency_s)"
            )
        return self


class ClaimsSpec(_Strict):
    """Claims-versus-actions: actions the agent says it did must match successful tool calls."""

    judge_model: str | None = None
    actions: dict[str, list[str]] = Field(
        default_factory=dict, description="Action verb -> tool names that perform it, e.g. refund: [refund_order]."
    )


CHECK_KINDS = (
    "regex",
    "not_regex",
    "contains",
    "not_contains",
    "json_schema",
    "tool_called",
    "tool_not_called",
    "tool_sequence",
    "max_turns",
    "budget",
    "claims_match_actions",
)


class Check(_Strict):
    """A deterministic check. Set exactly one of the kind keys; `on` picks whose turns are searched."""

    regex: str | None = None
    not_regex: str | None = None
    contains: str | None = None
    not_contains: str | None = None
    json_schema: JsonSchemaSpec | None = None
    tool_called: ToolCalledSpec | None = None
    tool_not_called: str | None = None
    tool_sequence: ToolSequenceSpec | None = None
    max_turns: int | None = Field(default=None, gt=0)
    budget: BudgetSpec | None = None
    claims_match_actions: ClaimsSpec | None = None
    on: Speaker = "agent"
    ignore_case: bool = False
    name: str | None = Field(default=None, description="Label shown in reports; defaults to the kind.")

    @model_validator(mode="after")
    def _exactly_one_kind(self) -> "Check":
        set_kinds = [k for k in CHECK_KINDS if getattr(self, k) is not None]
        if not set_kinds:
            raise LocatedValueError(f"check has no kind (expected one of: {', '.join(CHECK_KINDS)})")
        if len(set_kinds) > 1:
            raise LocatedValueError(
                f"check has {len(set_kinds)} kinds: {', '.join(set_kinds)} "
                "(expected exactly one kind per check; write separate checks)",
                (set_kinds[1],),
                True,
            )
        return self

    @model_validator(mode="after")
    def _pattern_compiles(self) -> "Check":
        """A bad regex is the author's mistake: say so at load time, not as an invalid trial later."""
        for kind in ("regex", "not_regex"):
            pattern = getattr(self, kind)
            if pattern is None:
                continue
            try:
                compile_pattern(pattern, self.ignore_case)
            except regex.error as exc:
                message = f"invalid regular expression: {exc} (expected a Python regular expression)"
                raise LocatedValueError(message, (kind,)) from None
        return self

    @property
    def kind(self) -> str:
        return next(k for k in CHECK_KINDS if getattr(self, k) is not None)

    @property
    def label(self) -> str:
        return self.name or self.kind


def compile_pattern(pattern: str, ignore_case: bool = False, literal: bool = False) -> regex.Pattern[str]:
    """A check's pattern, compiled for the `regex` engine (Python `re` syntax; matches take a timeout).

    Python's `re` cannot be interrupted, so `(a+)+$` against a 31-character reply hung a whole run.
    The `regex` module accepts the same syntax (lookarounds and backreferences included) and stops
    a match at a time limit; see evalkit.judging.check_text.
    """
    flags = regex.VERSION0 | (regex.IGNORECASE if ignore_case else 0)
    return regex.compile(regex.escape(pattern) if literal else pattern, flags)


def check_ids(checks: list[Check]) -> list[str]:
    """Report ids: the label, suffixed #2, #3... when several checks share one (also the keys gates accept)."""
    totals: dict[str, int] = {}
    for check in checks:
        totals[check.label] = totals.get(check.label, 0) + 1
    seen: dict[str, int] = {}
    ids = []
    for check in checks:
        seen[check.label] = seen.get(check.label, 0) + 1
        ids.append(check.label if totals[check.label] == 1 else f"{check.label}#{seen[check.label]}")
    return ids
