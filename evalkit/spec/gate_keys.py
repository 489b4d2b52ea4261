"""Gate keys that name criteria: every `gate.criterion_thresholds` key must name one the suite scores.

Needs the suite's resolved rubrics, so it runs after references resolve. A
typo here would otherwise gate nothing: the threshold would match no result
row and the gate would pass silently.
"""

from __future__ import annotations

from evalkit.spec.checks import check_ids
from evalkit.spec.messages import did_you_mean
from evalkit.spec.models import Scenario, Suite
from evalkit.spec.problems import Problem
from evalkit.spec.rubrics import ResolvedRubric
from evalkit.spec.yamlsource import Located

CHECKS_ID = "checks"  # the rubric id results use for scenario checks


def criterion_names(rubrics: list[ResolvedRubric], scenarios: list[Scenario]) -> dict[str, list[str]]:
    """Rubric id (or "checks") -> its criterion ids, as results rows name them."""
    names: dict[str, list[str]] = {}
    for resolved in rubrics:
        ids = names.setdefault(resolved.rubric.id, [])
        ids += [c.id for c in resolved.rubric.criteria if c.id not in ids]
    for scenario in scenarios:
        ids = names.setdefault(CHECKS_ID, [])
        ids += [i for i in check_ids(scenario.checks) if i not in ids]
    return {rubric: ids for rubric, ids in names.items() if ids}


def threshold_key_problems(
    located: Located, suite: Suite, rubrics: list[ResolvedRubric], scenarios: list[Scenario]
) -> list[Problem]:
    """One problem per `criterion_thresholds` key (`criterion` or `rubric.criterion`) that names nothing."""
    names = criterion_names(rubrics, scenarios)
    known = {c for ids in names.values() for c in ids} | {f"{r}.{c}" for r, ids in names.items() for c in ids}
    listing = "; ".join(f"{rubric}: {', '.join(ids)}" for rubric, ids in names.items()) or "none"
    problems = []
    for key in suite.gate.criterion_thresholds:
        if key in known:
            continue
        guess = did_you_mean(key, known)
        hint = f"did you mean '{guess}'? " if guess else ""
        message = (
            f"unknown criterion '{key}' ({hint}expected `criterion` or `rubric.criterion` "
            f"of this suite's rubrics and checks: {listing})"
        )
        problems.append(located.problem(("gate", "criterion_thresholds", key), message, at_key=True))
    return problems
