"""Warnings: files that are valid but probably not what the author meant.

They travel beside problems, never instead of them: `ResolvedRubric.warnings`,
`LoadedSuite.warnings` (its own and those of the rubrics it uses) and
`Survey.warnings`. `evalkit validate` prints them and still exits 0; the pytest
plugin shows them as `SpecWarning`s at collection. Each is a `Problem` whose
message starts with "warning: ", so it reads the same wherever it is shown.
"""

from __future__ import annotations

from evalkit.spec.models import JudgeConfig
from evalkit.spec.problems import Problem
from evalkit.spec.yamlsource import KeyPath, Located

WARNING = "warning: "


class SpecWarning(UserWarning):
    """A load-time warning as a Python warning (what pytest collection reports)."""


def judge_warnings(located: Located, at: KeyPath, judge: JudgeConfig | None) -> list[Problem]:
    """Several samples at temperature 0 ask for the same answer again: cost times n, agreement for free."""
    if judge is None or judge.samples <= 1 or judge.temperature > 0:
        return []
    n = judge.samples
    message = (
        f"{WARNING}samples: {n} at temperature 0 asks the judge for the same answer {n} times: {n}x the judge cost, "
        f"and the samples' agreement is not real (expected a temperature above 0, e.g. 0.7, or samples: 1)"
    )
    return [located.problem((*at, "samples"), message, at_key=True)]
