"""A pass-rate difference interval for ONE group of trials that does not collapse on small samples.

The bootstrap over a scenario's few trials returns [0, 0] when both sides pass
every trial, which would call 5/5 versus 5/5 "non-inferior" at any margin.
Newcombe's hybrid score interval (method 10), built from the two Wilson
intervals of `evalkit.stats`, keeps the trial-level uncertainty. It ignores the
pairing, so it is conservative for paired trials.
"""

from __future__ import annotations

import math

from pydantic import BaseModel

from evalkit.stats.intervals import wilson_interval


class Bounds(BaseModel):
    """A difference with its interval: what `non_inferiority` and `gate_decision` read (low, high)."""

    mean_diff: float | None
    low: float | None
    high: float | None
    method: str


def newcombe_diff(ref_passes: int, ref_n: int, cand_passes: int, cand_n: int, confidence: float = 0.95) -> Bounds:
    """Interval for pass rate (candidate - reference); unbounded (None) when either side has no valid trial."""
    if not ref_n or not cand_n:
        return Bounds(mean_diff=None, low=None, high=None, method="newcombe")
    r, c = wilson_interval(ref_passes, ref_n, confidence), wilson_interval(cand_passes, cand_n, confidence)
    pr, pc = ref_passes / ref_n, cand_passes / cand_n
    d = pc - pr
    low = d - math.sqrt((pc - c.low) ** 2 + (r.high - pr) ** 2)
    high = d + math.sqrt((c.high - pc) ** 2 + (pr - r.low) ** 2)
    return Bounds(mean_diff=d, low=max(-1.0, low), high=min(1.0, high), method="newcombe")
