"""The scenario-level test compare shows beside the trial-level McNemar.

McNemar pools paired trials from every scenario as if they were independent.
Trials of one scenario share its goal and persona, so when the difference
between the sides varies from scenario to scenario, trials of a scenario lean
the same way and McNemar reads that as more evidence than there is
(bench/compare_tests.py: type-I error up to 19% at a nominal 5%). Here the
unit is the scenario: each contributes one number, its pass-rate difference
b - a over valid trials, and the p-value is the paired sign-flip
(randomization) test of "no difference" on those numbers
(`evalkit.stats.sign_flip_p_value`: exact enumeration up to 16 scenarios,
else Monte-Carlo). Under no difference each scenario's difference is as
likely positive as negative, whatever the scenarios' spread, so its size
holds for clustered data; the price is that with few scenarios it cannot
reach significance at all (5 scenarios: smallest p 0.0625), which it says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel

from evalkit.stats import paired_test_can_reach, sign_flip_min_p_value, sign_flip_p_value

_EXACT_MAX = 16  # sign_flip_p_value enumerates every sign pattern up to here


class ScenarioTest(BaseModel):
    """p-value of "no pass-rate difference" with the scenario as the unit (valid for clustered trials)."""

    method: Literal["sign_flip_exact", "sign_flip_monte_carlo", "none"]
    n_scenarios: int  # scenarios with valid trials on both sides
    p_value: float | None
    min_p_value: float | None  # the smallest p this many scenarios can give
    reachable: bool  # can p fall below 1 - confidence at all?
    confidence: float

    @property
    def short(self) -> str:
        """`0.031 (8 scenarios)`."""
        if self.p_value is None:
            return "– (needs 2+ scenarios)"
        return f"{self.p_value:.3f} ({self.n_scenarios} scenarios)"

    @property
    def caveat(self) -> str:
        """Why a large p says little: with this few scenarios the test cannot reach significance at all."""
        if self.p_value is None or self.reachable or self.min_p_value is None:
            return ""
        return f"cannot reach {1 - self.confidence:.2g}: smallest possible p {self.min_p_value:.3g}"

    @property
    def text(self) -> str:
        return self.short + (f"; {self.caveat}" if self.caveat else "")


def scenario_level_test(
    a: Mapping[str, Sequence[float]],
    b: Mapping[str, Sequence[float]],
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> ScenarioTest:
    """Sign-flip test over per-scenario pass-rate differences (b - a); `a`/`b` map scenario -> 1.0/0.0 per valid trial."""
    common = [k for k in a if len(a[k]) and k in b and len(b[k])]
    n = len(common)
    reachable = paired_test_can_reach(n, confidence, n_resamples)
    if n < 2:
        return ScenarioTest(
            method="none", n_scenarios=n, p_value=None, min_p_value=None, reachable=False, confidence=confidence
        )
    diffs = np.array([sum(b[k]) / len(b[k]) - sum(a[k]) / len(a[k]) for k in common], dtype=float)
    return ScenarioTest(
        method="sign_flip_exact" if n <= _EXACT_MAX else "sign_flip_monte_carlo",
        n_scenarios=n,
        p_value=sign_flip_p_value(diffs, n_resamples, seed),
        min_p_value=sign_flip_min_p_value(n, n_resamples),
        reachable=reachable,
        confidence=confidence,
    )
