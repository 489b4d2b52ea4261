"""Deterministic checks as users author them (evaluated by `evalkit.judging`).

One `Check` model covers every kind so a check reads the same as a rubric
criterion (`check: {not_regex: ..., on: agent}`) and as a scenario check
(`- tool_called: {name: refund_order}`). Exactly one kind key must be set; the kind
keys and what each accepts come from the check registry (`evalkit.spec.check_registry`).
The spec models of the built-in kinds live here; their evaluators register them from
`evalkit.judging.check_*`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

import regex
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    PrivateAttr,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    TypeAdapter,
    model_serializer,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from evalkit.spec.check_registry import CHECKS, spec_adapter
from evalkit.spec.messages import did_you_mean
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
    def _consistent_counts(self) -> ToolCalledSpec:
        if self.count is not None and (self.min_count is not None or self.max_count is not None):
            key = "min_count" if self.min_count is not None else "max_count"
            message = f"'count' and '{key}' both set (expected either an exact count or a range)"
            raise LocatedValueError(message, (key,), at_key=True)
        if self.min_count is not None and self.max_count is not None and self.min_count > self.max_count:
            message = (
                f"min_count {self.min_count} is above max_count {self.max_count} (expected min_count <= max_count)"
            )
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
    def _some_limit(self) -> BudgetSpec:
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


def _compiles(pattern: str) -> str:
    """A bad regex is the author's mistake: say so at load time, not as an invalid trial later."""
    try:
        compile_pattern(pattern)
    except regex.error as exc:
        raise ValueError(f"invalid regular expression: {exc} (expected a Python regular expression)") from None
    return pattern


Pattern = Annotated[str, AfterValidator(_compiles)]
"""The value of `regex` / `not_regex`: a Python regular expression, compiled when the check loads."""
Text = str
"""The value of `contains` / `not_contains` (literal text) and `tool_not_called` (a tool name)."""
TurnLimit = Annotated[int, Field(gt=0)]
"""The value of `max_turns`."""


class Check(_Strict):
    """A deterministic check: exactly one kind key (a name in `CHECKS`) plus the common keys below.

    The kind keys are not fields: they come from the check registry, so a kind added by a module
    (built-in or through the `evalkit.checks` entry point) is validated, exported to the JSON Schema and
    evaluated without touching this class. `check.kind` is the key, `check.spec` its validated value;
    `check.<kind>` still reads the value (None for any other registered kind).
    """

    on: Speaker = "agent"
    ignore_case: bool = False
    name: str | None = Field(default=None, description="Label shown in reports; defaults to the kind.")
    _kind: str = PrivateAttr(default="")
    _spec: Any = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _one_registered_kind(cls, data: Any, handler: Any) -> Check:
        if not isinstance(data, dict):
            return handler(data)
        CHECKS.load()
        kinds = [k for k in data if isinstance(k, str) and k in CHECKS]
        common = {k: v for k, v in data.items() if k not in kinds}
        _refuse_unknown_keys(common, cls.model_fields)
        check = handler(common)  # bad common keys fail here, as for any strict model
        if not kinds:
            raise LocatedValueError(f"check has no kind (expected one of: {', '.join(CHECKS.names())})")
        if len(kinds) > 1:
            raise LocatedValueError(
                f"check has {len(kinds)} kinds: {', '.join(kinds)} "
                "(expected exactly one kind per check; write separate checks)",
                (kinds[1],),
                True,
            )
        kind = kinds[0]
        check._kind, check._spec = kind, spec_adapter(kind).validate_python({kind: data[kind]})[kind]
        return check

    @model_serializer(mode="wrap")
    def _as_written(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> dict[str, Any]:
        """Dump the shape users write (`{not_regex: ..., on: agent}`), so fingerprints read the same as before."""
        common = handler(self)
        if not self._kind:
            return common
        value = spec_adapter(self._kind).dump_python(
            {self._kind: self._spec},
            mode="json" if info.mode == "json" else "python",
            by_alias=bool(info.by_alias),
            exclude_defaults=info.exclude_defaults,
            exclude_none=info.exclude_none,
            round_trip=info.round_trip,
        )
        return {**value, **common}

    @classmethod
    def __get_pydantic_json_schema__(cls, core: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        """The common keys plus one property per registered kind (its spec's schema and its docs line)."""
        schema = handler.resolve_ref_schema(handler(core))
        kinds = {
            e.name: {**_kind_schema(handler(_by_reference(e.parts["spec"]))), "description": e.doc} for e in CHECKS
        }
        schema["properties"] = {**kinds, **schema["properties"]}
        schema["description"] = "A deterministic check: exactly one kind key, plus `on`, `ignore_case` and `name`."
        return schema

    @classmethod
    def model_construct(cls, _fields_set: set[str] | None = None, **values: Any) -> Self:  # type: ignore[override]  # pydantic's mypy plugin narrows model_construct to the declared fields; a check's kind key is the one extra
        """Unvalidated, as pydantic's: the one key that is not a common field is the kind."""
        kinds = [k for k in values if k not in cls.model_fields]
        check = super().model_construct(_fields_set, **{k: v for k, v in values.items() if k not in kinds})
        assert isinstance(check, cls)  # pydantic builds cls itself; the plugin types it as the base
        if kinds:
            check._kind, check._spec = kinds[0], values[kinds[0]]
        return check

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("_") and name in CHECKS:
            return self._spec if name == self._kind else None
        return super().__getattr__(name)  # type: ignore[misc]  # BaseModel defines __getattr__ only outside TYPE_CHECKING (private attributes)

    @property
    def kind(self) -> str:
        return self._kind

    @property
    def spec(self) -> Any:
        """The validated value under the kind key (a spec model, or a string / number for scalar kinds)."""
        return self._spec

    @property
    def label(self) -> str:
        return self.name or self.kind


def _refuse_unknown_keys(data: dict[Any, Any], common: dict[str, Any]) -> None:
    """The JSON Schema's message for a misspelled kind, also for checks built in Python (`tool_caled`)."""
    unknown = [k for k in data if k not in common]
    if unknown:
        allowed = {*CHECKS.names(), *common}
        guess = did_you_mean(str(unknown[0]), allowed)
        hint = f"did you mean '{guess}'?" if guess else "allowed: " + ", ".join(sorted(allowed))
        raise LocatedValueError(f"unknown key '{unknown[0]}' ({hint})", (unknown[0],), at_key=True)


def _by_reference(spec: Any) -> CoreSchema:
    """A spec's core schema wrapped so that a model lands in `$defs` (`ToolCalledSpec`) and is referenced."""
    inner = TypeAdapter(spec).core_schema
    ref = inner.get("ref")
    if ref is None:
        return inner
    return core_schema.definitions_schema(core_schema.definition_reference_schema(ref), [inner])


def _kind_schema(schema: JsonSchemaValue) -> JsonSchemaValue:
    """A referenced spec model as a one-branch anyOf: a wrong type reads "expected a ToolCalledSpec mapping (...)"."""
    return {"anyOf": [schema]} if "$ref" in schema else schema


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
