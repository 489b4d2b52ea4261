"""Checks on what was done: tool_called, tool_not_called, tool_sequence.

These look at the calls the agent requested, whether or not they succeeded
(claims-versus-actions is the check that requires success).
"""

from __future__ import annotations

import json
from typing import Any

from evalkit.judging.check_api import CheckContext, register_check
from evalkit.judging.check_common import Finding, clip, tool_calls
from evalkit.judging.verdict import Evidence
from evalkit.spec.checks import Text, ToolCalledSpec, ToolSequenceSpec


def args_match(expected: Any, actual: Any) -> bool:
    """Subset match: every expected key is present with a matching value (recursively for dicts).

    Lists and scalars compare by equality; numbers compare numerically and a
    string "1234" matches the number 1234, since models often stringify ids.
    """
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and args_match(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and len(expected) == len(actual) and all(map(args_match, expected, actual))
    if expected == actual:
        return True
    return (
        not isinstance(expected, (dict, list, bool))
        and not isinstance(actual, (dict, list, bool))
        and str(expected) == str(actual)
    )


def _call_evidence(n: int, name: str, arguments: dict[str, Any]) -> Evidence:
    return Evidence(
        turn=n,
        quote=clip(f"[tool call {name} {json.dumps(arguments, sort_keys=True, ensure_ascii=False)}]"),
        verified=True,
    )


@register_check(
    "tool_called",
    doc="Passes when tool `name` was called with arguments containing `args`: at least "
    "once, or `count` / `min_count` / `max_count` times.",
    spec=ToolCalledSpec,
)
def check_tool_called(spec: ToolCalledSpec, ctx: CheckContext) -> Finding:
    """Count calls of `name` whose arguments contain `args`; default: at least one."""
    matching = [
        (n, c) for n, c, _ in tool_calls(ctx.transcript) if c.name == spec.name and args_match(spec.args, c.arguments)
    ]
    count = len(matching)
    problems = []
    if spec.count is not None and count != spec.count:
        problems.append(f"exactly {spec.count}")
    if spec.min_count is not None and count < spec.min_count:
        problems.append(f"at least {spec.min_count}")
    if spec.max_count is not None and count > spec.max_count:
        problems.append(f"at most {spec.max_count}")
    if spec.count is None and spec.min_count is None and spec.max_count is None and count == 0:
        problems.append("at least 1")
    what = spec.name + (f" with {json.dumps(spec.args, sort_keys=True)}" if spec.args else "")
    evidence = [_call_evidence(n, c.name, c.arguments) for n, c in matching[:5]]
    if problems:
        return Finding(
            passed=False,
            reasoning=f"{what} called {count} time(s); expected {' and '.join(problems)}",
            evidence=evidence,
        )
    return Finding(passed=True, reasoning=f"{what} called {count} time(s)", evidence=evidence)


@register_check("tool_not_called", doc="Passes when the named tool was never called.", spec=Text)
def check_tool_not_called(name: str, ctx: CheckContext) -> Finding:
    calls = [(n, c) for n, c, _ in tool_calls(ctx.transcript) if c.name == name]
    if calls:
        return Finding(
            passed=False,
            reasoning=f"{name} was called {len(calls)} time(s)",
            evidence=[_call_evidence(n, c.name, c.arguments) for n, c in calls[:5]],
        )
    return Finding(passed=True, reasoning=f"{name} was not called")


def _is_subsequence(needle: list[str], haystack: list[str]) -> bool:
    it = iter(haystack)
    return all(name in it for name in needle)


@register_check(
    "tool_sequence",
    doc="Passes when the ordered tool calls match `names` by `mode` (strict, in_order, subset, superset).",
    spec=ToolSequenceSpec,
)
def check_tool_sequence(spec: ToolSequenceSpec, ctx: CheckContext) -> Finding:
    """Compare the ordered names of all tool calls (`actual`) with `spec.names` (`expected`).

    - strict: actual == expected, element by element (same calls, same order, nothing else).
    - in_order: expected is a subsequence of actual (that order, other calls may be interleaved).
    - subset: set(actual) is a subset of set(expected): the agent used only listed tools (not necessarily all).
    - superset: set(actual) is a superset of set(expected): every listed tool was called, in any order.
    """
    actual = [c.name for _, c, _ in tool_calls(ctx.transcript)]
    expected = spec.names
    if spec.mode == "strict":
        passed = actual == expected
    elif spec.mode == "in_order":
        passed = _is_subsequence(expected, actual)
    elif spec.mode == "subset":
        passed = set(actual) <= set(expected)
    else:
        passed = set(actual) >= set(expected)
    verdict = "matches" if passed else "does not match"
    return Finding(passed=passed, reasoning=f"tool calls {actual} {verdict} {spec.mode} sequence {expected}")
