"""The `state` check: assertions on the agent's final state (what its `state()` returned after the session).

    - state: {path: "bookings.AB1234.status", equals: cancelled}
    - state: {path: "orders.1234.refunded", exists: true}
    - state: {path: "orders.1234.tags", contains: damaged}
    - state: {path: "orders.1234.email", matches: '@example\\.com$'}
    - state: {path: "orders.1234", schema: {type: object, required: [refunded]}}

Path syntax: keys joined by dots, list items by `[index]` (negative counts from the end), a key holding
dots or brackets as `["a.b"]`; an empty path is the whole state. A path that is not there fails with the
reason (`exists: false` passes then); a state that was never captured (no `state()`, it raised, or
its data was not JSON) makes the check invalid, never a pass.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

import jsonschema
import regex
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from evalkit.judging.check_api import CheckContext, Finding, clip, register_check
from evalkit.judging.check_text import PATTERN_TIME_LIMIT_S
from evalkit.spec.checks import compile_pattern
from evalkit.spec.problems import LocatedValueError

_STEP = re.compile(r"""\.?([^.\[\]"]+)|\[(-?\d+)\]|\["((?:[^"\\]|\\.)*)"\]""")
_TESTS = ("equals", "exists", "contains", "matches", "schema")
_MISSING = object()


def parse_path(path: str) -> list[str | int]:
    """`a.b[0]["c.d"]` -> ["a", "b", 0, "c.d"]; ValueError naming the position that does not parse."""
    steps: list[str | int] = []
    pos = 0
    while pos < len(path):
        step = _STEP.match(path, pos)
        if step is None or (pos == 0 and path.startswith(".")):
            raise ValueError(
                f"path {path!r} does not parse at character {pos + 1} "
                '(expected keys joined by dots, [index] or ["key"])'
            )
        key, index, quoted = step.groups()
        steps.append(int(index) if index is not None else (key if key is not None else json.loads(f'"{quoted}"')))
        pos = step.end()
    return steps


def _valid_path(path: str) -> str:
    parse_path(path)
    return path


def _valid_regex(pattern: str) -> str:
    try:
        compile_pattern(pattern)
    except regex.error as err:
        raise ValueError(f"invalid regex {pattern!r}: {err}") from None
    return pattern


class StateSpec(BaseModel):
    """What goes under `state:`: a path into the final state and exactly one test of the value there."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    path: Annotated[str, AfterValidator(_valid_path)] = Field(
        default="",
        description='Keys joined by dots, [index] for list items, ["a.b"] for a key with dots; empty: the whole state.',
    )
    equals: Any = Field(default=None, description="The value there equals this (JSON equality).")
    exists: bool | None = Field(default=None, description="true: the path is there; false: it is not.")
    contains: Any = Field(default=None, description="Substring of a string, item of a list, or key of an object.")
    matches: Annotated[str, AfterValidator(_valid_regex)] | None = Field(
        default=None, description="Regex (Python syntax) found in the string there; anchor it with ^ and $."
    )
    schema_: dict[str, Any] | None = Field(
        default=None, alias="schema", description="JSON Schema the value there validates against."
    )

    @model_validator(mode="after")
    def _one_test(self) -> StateSpec:
        given = [
            t for t in _TESTS if t in self.model_fields_set or (t == "schema" and "schema_" in self.model_fields_set)
        ]
        if len(given) != 1:
            what = f"got {', '.join(given)}" if given else "got none"
            raise LocatedValueError(f"expected exactly one of {', '.join(_TESTS)} ({what})", ())
        if self.schema_ is not None:
            try:
                jsonschema.validators.validator_for(self.schema_).check_schema(self.schema_)
            except jsonschema.SchemaError as err:
                raise LocatedValueError(f"not a valid JSON Schema: {err.message}", ("schema",)) from None
        return self

    @property
    def test(self) -> str:
        return next(
            t for t in _TESTS if t in self.model_fields_set or (t == "schema" and "schema_" in self.model_fields_set)
        )


def lookup(state: Any, steps: list[str | int]) -> tuple[Any, str | None]:
    """(value at the path, None) or (_MISSING, where the path stops)."""
    value, walked = state, ""
    for step in steps:
        shown = f"[{step}]" if isinstance(step, int) else (f".{step}" if walked else step)
        # separate arms, not one `or` (ruff SIM114): each keeps mypy's narrowing of step to an index or a key
        if isinstance(step, int) and isinstance(value, list) and -len(value) <= step < len(value):
            value = value[step]
        elif isinstance(step, str) and isinstance(value, dict) and step in value:
            value = value[step]
        elif (
            isinstance(step, str)
            and isinstance(value, list)
            and step.lstrip("-").isdigit()
            and -len(value) <= int(step) < len(value)
        ):
            value = value[int(step)]
        else:
            return _MISSING, f"{walked + shown} is not in the state ({_describe(value, walked)})"
        walked += shown
    return value, None


def _describe(value: Any, walked: str) -> str:
    where = walked or "the state"
    if isinstance(value, dict):
        keys = ", ".join(sorted(map(str, value))[:8])
        return f"{where} has keys: {keys}" if keys else f"{where} is an empty object"
    if isinstance(value, list):
        return f"{where} is a list of {len(value)}"
    return f"{where} is {_show(value)}"


def _show(value: Any) -> str:
    return clip(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str), 80)


@register_check(
    "state",
    doc="Passes when the agent's final state (its `state()` after the session) at `path` "
    "equals / contains / matches a value, exists, or fits a JSON Schema.",
    spec=StateSpec,
)
def check_state(spec: StateSpec, ctx: CheckContext) -> Finding:
    transcript = ctx.transcript
    if transcript.state_error is not None or transcript.state is None:
        why = transcript.state_error or "no state was captured for this transcript (written before state capture?)"
        return Finding(passed=None, reasoning=f"state not captured: {why}")
    label = spec.path or "the state"
    value, missing = lookup(transcript.state, parse_path(spec.path))
    if spec.test == "exists":
        there = missing is None
        if there == spec.exists:
            return Finding(passed=True, reasoning=f"{label} is {'there' if there else 'absent'}, as expected")
        return Finding(passed=False, reasoning=missing or f"{label} is there ({_show(value)}); expected it absent")
    if missing is not None:
        return Finding(passed=False, reasoning=missing)
    return _test(spec, label, value)


def _test(spec: StateSpec, label: str, value: Any) -> Finding:
    if spec.test == "equals":
        ok = value == spec.equals and isinstance(value, bool) == isinstance(spec.equals, bool)  # true is not 1
        return Finding(
            passed=ok, reasoning=f"{label} is {_show(value)}" + ("" if ok else f", expected {_show(spec.equals)}")
        )
    if spec.test == "contains":
        return _contains(spec.contains, label, value)
    if spec.test == "matches":
        return _matches(spec.matches or "", label, value)
    error = _schema_error(value, spec.schema_ or {})
    return Finding(
        passed=error is None,
        reasoning=f"{label} {'fits the schema' if error is None else 'violates the schema: ' + error}",
    )


def _contains(wanted: Any, label: str, value: Any) -> Finding:
    if isinstance(value, str) and isinstance(wanted, str):
        ok = wanted in value
    elif isinstance(value, list):
        ok = wanted in value
    elif isinstance(value, dict) and isinstance(wanted, str):
        ok = wanted in value
    else:
        return Finding(passed=False, reasoning=f"{label} is {_show(value)}, which cannot contain {_show(wanted)}")
    verb = "contains" if ok else "does not contain"
    return Finding(passed=ok, reasoning=f"{label} {verb} {_show(wanted)} ({_show(value)})")


def _matches(pattern: str, label: str, value: Any) -> Finding:
    if not isinstance(value, str):
        return Finding(passed=False, reasoning=f"{label} is {_show(value)}, not a string /{pattern}/ could match")
    try:
        found = compile_pattern(pattern).search(value, timeout=PATTERN_TIME_LIMIT_S)
    except TimeoutError:
        return Finding(
            passed=None,
            reasoning=f"/{pattern}/ exceeded the {PATTERN_TIME_LIMIT_S:g} s time limit "
            "for a pattern check (catastrophic backtracking?)",
        )
    shown = f"{label} ({_show(value)})"
    return Finding(
        passed=found is not None, reasoning=f"/{pattern}/ {'matches' if found else 'does not match'} {shown}"
    )


def _schema_error(value: Any, schema: dict[str, Any]) -> str | None:
    errors = sorted(jsonschema.validators.validator_for(schema)(schema).iter_errors(value), key=lambda e: list(e.path))
    if not errors:
        return None
    where = "/".join(str(p) for p in errors[0].path) or "(root)"
    return f"{where}: {errors[0].message}"
