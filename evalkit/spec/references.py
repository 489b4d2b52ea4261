"""Checks that span files: rubric references, persona names, unique scenario ids.

They run on the raw document (not the validated model) so a suite with a
typo in one key still gets its dangling references reported in the same pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from evalkit.spec.messages import did_you_mean
from evalkit.spec.models import Persona
from evalkit.spec.problems import Problem
from evalkit.spec.rubrics import RubricRegistry
from evalkit.spec.yamlsource import KeyPath, Located


def reference_problems(located: Located, registry: RubricRegistry, personas: dict[str, Persona]) -> list[Problem]:
    """Every dangling rubric/persona reference and duplicate scenario id in a suite."""
    data = located.data
    problems = _duplicate_scenarios(located)
    for path, ref in rubric_refs(data):
        reason = registry.why_unresolved(ref)
        if reason:
            problems.append(located.problem(path, reason))
    inline = [p.get("id") for p in _list(data.get("personas")) if isinstance(p, dict)]
    known = set(personas) | {i for i in inline if isinstance(i, str)}
    for path, name in persona_refs(data):
        if name not in known:
            guess = did_you_mean(name, known)
            hint = f"did you mean '{guess}'?" if guess else f"known personas: {', '.join(sorted(known)) or 'none'}"
            problems.append(located.problem(path, f"unknown persona '{name}' ({hint})"))
    return problems


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _scenarios(data: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    for index, scenario in enumerate(_list(data.get("scenarios"))):
        if isinstance(scenario, dict):
            yield index, scenario


def rubric_refs(data: dict[str, Any]) -> Iterator[tuple[KeyPath, str]]:
    for i, ref in enumerate(_list(data.get("rubrics"))):
        if isinstance(ref, str):
            yield ("rubrics", i), ref
    for index, scenario in _scenarios(data):
        for i, ref in enumerate(_list(scenario.get("rubrics"))):
            if isinstance(ref, str):
                yield ("scenarios", index, "rubrics", i), ref


def persona_refs(data: dict[str, Any]) -> Iterator[tuple[KeyPath, str]]:
    defaults = data.get("defaults")
    if isinstance(defaults, dict) and isinstance(defaults.get("persona"), str):
        yield ("defaults", "persona"), defaults["persona"]
    for index, scenario in _scenarios(data):
        if isinstance(scenario.get("persona"), str):
            yield ("scenarios", index, "persona"), scenario["persona"]


def _duplicate_scenarios(located: Located) -> list[Problem]:
    first: dict[str, int] = {}
    problems = []
    for index, scenario in _scenarios(located.data):
        scenario_id = scenario.get("id")
        if not isinstance(scenario_id, str):
            continue
        path = ("scenarios", index, "id")
        if scenario_id in first:
            line = located.where(("scenarios", first[scenario_id], "id"))[0]
            message = f"duplicate scenario id '{scenario_id}' (first used on line {line}; expected unique ids)"
            problems.append(located.problem(path, message))
        else:
            first[scenario_id] = index
    return problems
