"""Checks on what was said: regex / not_regex / contains / not_contains, and json_schema (registered here)."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import jsonschema
import regex

from evalkit.conversation.transcript import Transcript
from evalkit.judging.check_api import CheckContext, register_check
from evalkit.judging.check_common import Finding, clip, spoken_turns, tool_calls
from evalkit.judging.verdict import Evidence
from evalkit.spec.checks import Check, JsonSchemaSpec, Pattern, Text, compile_pattern

_FENCE = re.compile(r"```(?:json)?\s*\n(.*?)\n?```", re.DOTALL)

# Hard limit on one pattern check over all its turns. Ordinary patterns take microseconds; one that
# backtracks catastrophically is stopped here and the check is invalid, so the run goes on.
PATTERN_TIME_LIMIT_S = 1.0


def _matches(check: Check, transcript: Transcript, pattern: str, literal: bool) -> list[Evidence] | str:
    """Evidence for every occurrence in `on`'s turns, or why the pattern could not be evaluated."""
    try:
        compiled = compile_pattern(pattern, check.ignore_case, literal)
    except regex.error as exc:
        return f"invalid regex {pattern!r}: {exc}"
    deadline = time.monotonic() + PATTERN_TIME_LIMIT_S
    found = []
    try:
        for n, text in spoken_turns(transcript, check.on):
            remaining = max(deadline - time.monotonic(), 0.001)
            matches = compiled.finditer(text, timeout=remaining)
            found += [Evidence(turn=n, quote=m.group(0), verified=True) for m in matches]
    except TimeoutError:
        limit = f"{PATTERN_TIME_LIMIT_S:g} s"
        return f"/{pattern}/ exceeded the {limit} time limit for a pattern check (catastrophic backtracking?)"
    return found


@register_check(
    "regex", doc="Passes when the pattern (Python `re` syntax) matches in some turn written by `on`.", spec=Pattern
)
@register_check("not_regex", doc="Passes when the pattern matches in no turn written by `on`.", spec=Pattern)
@register_check("contains", doc="Passes when the text occurs in some turn written by `on`.", spec=Text)
@register_check("not_contains", doc="Passes when the text occurs in no turn written by `on`.", spec=Text)
def check_pattern(pattern: str, ctx: CheckContext) -> Finding:
    """regex / contains pass when the pattern occurs in some `on` turn; not_* pass when it occurs in none."""
    check, transcript = ctx.check, ctx.transcript
    kind = check.kind
    found = _matches(check, transcript, pattern, literal=kind in ("contains", "not_contains"))
    if isinstance(found, str):
        return Finding(passed=None, reasoning=found)
    where = f"{check.on} turns"
    shown = f"'{pattern}'" if kind in ("contains", "not_contains") else f"/{pattern}/"
    if kind in ("regex", "contains"):
        if found:
            return Finding(passed=True, reasoning=f"{shown} found in turn {found[0].turn}", evidence=found[:1])
        return Finding(passed=False, reasoning=f"{shown} not found in {where}")
    if found:
        turns = sorted({e.turn for e in found})
        return Finding(passed=False, reasoning=f"{shown} found in turn(s) {turns}", evidence=found[:5])
    return Finding(passed=True, reasoning=f"{shown} absent from {where}")


def parse_json_reply(text: str) -> Any:
    """Parse an agent reply as JSON, accepting one fenced ```json block around it."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        fenced = _FENCE.search(text)
        if fenced is None:
            raise
        return json.loads(fenced.group(1))


def _validate(instance: Any, schema: dict[str, Any]) -> str | None:
    errors = sorted(
        jsonschema.validators.validator_for(schema)(schema).iter_errors(instance), key=lambda e: list(e.path)
    )
    if not errors:
        return None
    path = "/".join(str(p) for p in errors[0].path) or "(root)"
    return f"{path}: {errors[0].message}"


@register_check(
    "json_schema",
    doc="Passes when the last agent message (as JSON), or every call of `tool`, validates against `schema`.",
    spec=JsonSchemaSpec,
)
def check_json_schema(spec: JsonSchemaSpec, ctx: CheckContext) -> Finding:
    """Validate the last agent message (parsed as JSON), or every call of `spec.tool` (must be called)."""
    transcript = ctx.transcript
    try:
        jsonschema.validators.validator_for(spec.schema_).check_schema(spec.schema_)
    except jsonschema.SchemaError as exc:
        return Finding(passed=None, reasoning=f"invalid JSON schema in check: {exc.message}")
    if spec.tool:
        calls = [(n, c) for n, c, _ in tool_calls(transcript) if c.name == spec.tool]
        if not calls:
            return Finding(passed=False, reasoning=f"tool {spec.tool!r} was never called")
        for n, call in calls:
            error = _validate(call.arguments, spec.schema_)
            if error:
                quote = json.dumps(call.arguments, sort_keys=True, ensure_ascii=False)
                return Finding(
                    passed=False,
                    reasoning=f"{spec.tool} arguments in turn {n} violate the schema: {error}",
                    evidence=[Evidence(turn=n, quote=clip(quote), verified=True)],
                )
        return Finding(passed=True, reasoning=f"all {len(calls)} call(s) of {spec.tool} match the schema")
    replies = spoken_turns(transcript, "agent")
    if not replies:
        return Finding(passed=False, reasoning="no agent message to validate")
    n, text = replies[-1]
    evidence = [Evidence(turn=n, quote=clip(text), verified=True)]
    try:
        instance = parse_json_reply(text)
    except json.JSONDecodeError as exc:
        return Finding(
            passed=False, reasoning=f"last agent message (turn {n}) is not JSON: {exc.msg}", evidence=evidence
        )
    error = _validate(instance, spec.schema_)
    if error:
        return Finding(
            passed=False, reasoning=f"last agent message (turn {n}) violates the schema: {error}", evidence=evidence
        )
    return Finding(passed=True, reasoning=f"last agent message (turn {n}) matches the schema", evidence=evidence)
