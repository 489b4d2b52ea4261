"""pass@k and pass^k of a tier or a compare side, at k = trials per scenario.

The estimators are `evalkit.stats.mean_pass_at_k` / `mean_pass_hat_k` (unbiased,
mean over scenarios). They say something only with k >= 2, so a run with one
trial per scenario shows neither. Scenarios with fewer than k valid trials
(invalid or error trials count neither way) cannot be estimated without bias
and are listed in `excluded` rather than silently dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, Field

from evalkit.stats import mean_pass_at_k, mean_pass_hat_k
from evalkit.verdicts.rows import TrialRecord


class PassK(BaseModel):
    k: int
    pass_at_k: float | None  # P(at least one of k trials passes), mean over scenarios
    pass_hat_k: float | None  # P(all k trials pass), mean over scenarios
    n_scenarios: int  # scenarios in the means
    excluded: list[str] = Field(default_factory=list)  # fewer than k valid trials

    @property
    def values_text(self) -> str:
        """`82% / 40%` (pass@k / pass^k), or a dash when no scenario has k valid trials."""
        if self.pass_at_k is None or self.pass_hat_k is None:
            return "–"
        return f"{self.pass_at_k:.0%} / {self.pass_hat_k:.0%}"

    @property
    def note(self) -> str:
        """`k=3`, plus the scenarios that could not enter the means."""
        return f"k={self.k}" + (f"; {self.gaps}" if self.gaps else "")

    @property
    def gaps(self) -> str:
        """'' when every scenario entered the means, else which could not and why."""
        if not self.n_scenarios:
            return f"no scenario has {self.k} valid trials"
        if self.excluded:
            n = len(self.excluded)
            return f"{n} scenario{'s' if n != 1 else ''} with fewer than {self.k} valid trials left out"
        return ""


def trials_per_scenario(groups: Mapping[str, Sequence[TrialRecord]]) -> int:
    """The k to report: the most trials any scenario ran (invalid and error trials included)."""
    return max((len(g) for g in groups.values()), default=0)


def pass_k(groups: Mapping[str, Sequence[TrialRecord]], k: int | None = None) -> PassK | None:
    """pass@k and pass^k over `{scenario: trials}`; None when k < 2 (one trial per scenario says nothing more)."""
    k = trials_per_scenario(groups) if k is None else k
    if k < 2:
        return None
    counts = {
        name: (sum(t.outcome in ("pass", "fail") for t in g), sum(t.outcome == "pass" for t in g))
        for name, g in groups.items()
    }  # (valid n, passes c)
    at, hat = mean_pass_at_k(counts, k), mean_pass_hat_k(counts, k)
    return PassK(k=k, pass_at_k=at.value, pass_hat_k=hat.value, n_scenarios=at.n_scenarios, excluded=at.excluded)
