"""The arithmetic of the bias probes, apart from any judging (so bench/probe_tests.py can simulate it).

- `flip_test`: paired outcomes before/after an edit -> flip rate, pass-rate shift and the exact
  McNemar p-value (`evalkit.stats.paired.mcnemar_exact`: under "the edit changes nothing" each
  flip goes either way with probability 1/2).
- `position_test`: pairwise answers in both orders -> P(first | inconsistent) and its exact
  binomial test (the same two-sided binomial, on first-won vs second-won pairs).
- `tier_difference`: FPR per agent tier and Newcombe's interval of the difference.
"""

from __future__ import annotations

from collections.abc import Sequence

from evalkit.stats.newcombe import newcombe_diff
from evalkit.stats.paired import mcnemar_exact
from evalkit.verdicts.probe_record import FlipTest, TierDifference, TierRate

Outcome = float | None  # 1.0 pass, 0.0 fail, None invalid


def flip_test(scope: str, pairs: Sequence[tuple[Outcome, Outcome]]) -> FlipTest:
    """Pairs (before, after); a pair with an invalid side is left out."""
    valid = [(a, b) for a, b in pairs if a is not None and b is not None]
    to_pass = sum(a == 0.0 and b == 1.0 for a, b in valid)
    to_fail = sum(a == 1.0 and b == 0.0 for a, b in valid)
    n = len(valid)
    return FlipTest(
        scope=scope,
        n=n,
        to_pass=to_pass,
        to_fail=to_fail,
        flip_rate=(to_pass + to_fail) / n if n else None,
        pass_shift=(to_pass - to_fail) / n if n else None,
        p_value=mcnemar_exact(to_pass, to_fail) if n else None,
    )


def position_test(orders: Sequence[tuple[str | None, str | None]]) -> dict[str, float | int | None]:
    """`orders`: per pair, the winner asked with a first and asked with b first, both mapped to "a"/"b"/"tie".

    A pair is inconsistent when the two orders name different winners; its position is decided when the
    same *position* won both times: "a" then "b" means the first-shown won twice.
    """
    valid = [(ab, ba) for ab, ba in orders if ab is not None and ba is not None]
    inconsistent = [(ab, ba) for ab, ba in valid if ab != ba]
    first = sum(ab == "a" and ba == "b" for ab, ba in inconsistent)
    second = sum(ab == "b" and ba == "a" for ab, ba in inconsistent)
    decided = first + second
    return {
        "n_valid": len(valid),
        "n_inconsistent": len(inconsistent),
        "n_first": first,
        "n_second": second,
        "flip_rate": len(inconsistent) / len(valid) if valid else None,
        "p_first": first / decided if decided else None,
        "p_value": mcnemar_exact(first, second) if decided else None,
    }


def tier_rate(agent_model: str, family: str, pairs: Sequence[tuple[Outcome, float]]) -> TierRate:
    """`pairs`: (judge, human) outcomes of one tier's items; the FPR is over its valid human-fail items."""
    fails = [j for j, h in pairs if h == 0.0 and j is not None]
    passes = sum(j == 1.0 for j in fails)
    return TierRate(
        agent_model=agent_model,
        family=family,
        n_human_fail=len(fails),
        judge_passes=passes,
        fpr=passes / len(fails) if fails else None,
    )


def tier_difference(scope: str, candidate: TierRate, reference: TierRate, rates: list[TierRate]) -> TierDifference:
    bounds = newcombe_diff(
        reference.judge_passes, reference.n_human_fail, candidate.judge_passes, candidate.n_human_fail
    )
    return TierDifference(scope=scope, rates=rates, diff=bounds.mean_diff, low=bounds.low, high=bounds.high)
