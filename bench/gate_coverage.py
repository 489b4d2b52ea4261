"""Does the suite pass-rate interval cover, and does the gate `low >= threshold` hold its error rate?

A seeded simulation over a grid of suite shapes (scenarios x trials x true suite
rate x spread of scenario difficulty). Each replication draws G scenario rates
from a Beta distribution with mean `rate` and concentration `kappa` (intra-
scenario correlation 1 / (kappa + 1); kappa = inf: every scenario has the same
rate), then `trials` pass/fail outcomes per scenario, and runs the code the
gate runs (`evalkit.stats.suite_rate`, which `pass_rate_estimate` calls).

Estimand: the mean of the Beta distribution, i.e. the pass rate over the
population of scenarios the suite stands for. That is the quantity a
clustered interval is about (and the reason "more scenarios" can be the
remedy); coverage of the mean over the G scenarios actually drawn is printed
too (`cov_drawn`), and is higher.

Per cell: coverage, and the gate's error rates in the worst case over
thresholds: false-PASS = P(low > truth), the limit of P(PASS) for a threshold
just above the truth (PASS needs low >= threshold); false-FAIL = P(high <
truth), the same for a threshold just below (FAIL needs high < threshold).
A 95% two-sided interval is nominally 2.5% on each side. `pass_at_-0.10` is how
often the gate passes when the truth clears the threshold by 10 points (what
the honesty costs). Targets: coverage >= 93% in every cell with >= 5
scenarios; false-PASS <= 2.5% + 1 point in every cell. The last line is one
JSON object with the worst cells.

    python bench/gate_coverage.py                 # full grid, 10,000 replications per cell
    python bench/gate_coverage.py --reps 2000     # quicker
    python bench/gate_coverage.py --estimator suggested   # the issue's first formula, for comparison
    python bench/gate_coverage.py --estimator old         # the estimator before this change
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import time
from collections.abc import Callable

import numpy as np

from evalkit.stats.distributions import two_sided_t, two_sided_z
from evalkit.stats.intervals import wilson_bounds
from evalkit.stats.suite_rate import (
    RateSummary,
    cc_wilson,
    design_effect,
    suite_rate_bounds,
    summarise,
    unseen_spread_bounds,
)

SCENARIOS = (3, 5, 10, 20, 40)
TRIALS = (1, 2, 3, 5, 10)
RATES = (0.5, 0.7, 0.8, 0.9, 0.95, 0.99)
KAPPAS = (1.0, 4.0, 16.0, math.inf)
CONFIDENCE = 0.95
NOMINAL_TAIL = (1 - CONFIDENCE) / 2
Bounds = tuple[np.ndarray, np.ndarray]


def _wilson(p: np.ndarray, n: np.ndarray, z: float) -> Bounds:
    pairs = [wilson_bounds(float(a), float(b), z) for a, b in zip(p, n, strict=True)]
    return np.array([lo for lo, _ in pairs]), np.array([hi for _, hi in pairs])


def _shipped(s: RateSummary, z: float) -> Bounds:
    b = suite_rate_bounds(s, z)
    return b.low, b.high


def _suggested(s: RateSummary, z: float) -> Bounds:
    """The issue's first formula: plain Wilson at n_eff = N / deff."""
    return _wilson(s.p, s.n_h / design_effect(s), z)


def _seen_only(s: RateSummary, z: float) -> Bounds:
    """Continuity-corrected Wilson at n_eff, without the spread-unseen part."""
    return cc_wilson(s.p, s.n_h / design_effect(s), z)


def _no_cc(s: RateSummary, z: float) -> Bounds:
    """Plain Wilson at n_eff joined with the spread-unseen part."""
    low1, high1 = _wilson(s.p, s.n_h / design_effect(s), z)
    low2, high2 = unseen_spread_bounds(s, z)
    return np.minimum(low1, low2), np.maximum(high1, high2)


def _old(s: RateSummary, z: float) -> Bounds:
    """Before this change: Wilson over all trials below 10 scenarios, unclipped clustered t from 10 on."""
    g = int(s.g[0])
    if g < 10:
        return _wilson(s.p, s.n_h, z)
    half = two_sided_t(CONFIDENCE, g - 1) * np.sqrt(s.s2 / g)
    return s.p - half, s.p + half


ESTIMATORS: dict[str, Callable[[RateSummary, float], Bounds]] = {
    "cluster_score": _shipped,
    "suggested": _suggested,
    "seen_only": _seen_only,
    "no_cc": _no_cc,
    "old": _old,
}


def simulate_cell(
    g: int, n: int, rate: float, kappa: float, reps: int, seed: int, estimator: Callable[[RateSummary, float], Bounds]
) -> dict[str, float]:
    """Rates of coverage and gate errors over ``reps`` simulated suites of one cell."""
    rng = np.random.default_rng(seed)
    if math.isinf(kappa):
        true_rates = np.full((reps, g), rate)
    else:
        true_rates = rng.beta(rate * kappa, (1 - rate) * kappa, size=(reps, g))
    passes = rng.binomial(n, true_rates)
    low, high = estimator(summarise(passes, np.full((reps, g), n)), two_sided_z(CONFIDENCE))
    drawn = true_rates.mean(axis=1)
    return {
        "coverage": float(np.mean((low <= rate) & (rate <= high))),
        "cov_drawn": float(np.mean((low <= drawn) & (drawn <= high))),
        "false_pass": float(np.mean(low > rate)),
        "false_fail": float(np.mean(high < rate)),
        "pass_at_-0.10": float(np.mean(low >= rate - 0.10)),
        "width": float(np.mean(high - low)),
    }


def _cells() -> list[tuple[int, int, float, float]]:
    return list(itertools.product(SCENARIOS, TRIALS, RATES, KAPPAS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=10_000, help="replications per cell")
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--estimator", choices=sorted(ESTIMATORS), default="cluster_score")
    args = parser.parse_args()
    estimator = ESTIMATORS[args.estimator]
    start = time.perf_counter()
    print(f"estimator={args.estimator} confidence={CONFIDENCE} reps/cell={args.reps} seed={args.seed}")
    print(
        f"{'G':>3} {'n':>3} {'rate':>5} {'kappa':>5} {'coverage':>8} {'cov_drawn':>9} {'false_pass':>10} "
        f"{'false_fail':>10} {'pass_at_-0.10':>13} {'width':>6}"
    )
    rows = []
    for index, (g, n, rate, kappa) in enumerate(_cells()):
        r = simulate_cell(g, n, rate, kappa, args.reps, args.seed + index, estimator)
        rows.append({"scenarios": g, "trials": n, "rate": rate, "kappa": kappa, **r})
        print(
            f"{g:>3} {n:>3} {rate:>5.2f} {kappa:>5.0f} {r['coverage']:>8.3f} {r['cov_drawn']:>9.3f} "
            f"{r['false_pass']:>10.4f} {r['false_fail']:>10.4f} {r['pass_at_-0.10']:>13.3f} {r['width']:>6.3f}"
        )
    print_summary(rows, args, time.perf_counter() - start)


def print_summary(rows: list[dict], args: argparse.Namespace, seconds: float) -> None:
    gated = [r for r in rows if r["scenarios"] >= 5]
    worst_cov = min(gated, key=lambda r: r["coverage"])
    worst_fp = max(rows, key=lambda r: r["false_pass"])
    worst_ff = max(rows, key=lambda r: r["false_fail"])
    se_cov = math.sqrt(CONFIDENCE * (1 - CONFIDENCE) / args.reps)
    se_tail = math.sqrt(NOMINAL_TAIL * (1 - NOMINAL_TAIL) / args.reps)
    ok = worst_cov["coverage"] >= 0.93 and worst_fp["false_pass"] <= NOMINAL_TAIL + 0.01
    print(f"\n{len(rows)} cells in {seconds:.1f} s; Monte-Carlo SE: coverage {se_cov:.4f}, tail rates {se_tail:.4f}")
    print(f"worst coverage (>= 5 scenarios): {worst_cov['coverage']:.3f} at {_cell(worst_cov)} (target >= 0.93)")
    print(f"worst false-PASS: {worst_fp['false_pass']:.4f} at {_cell(worst_fp)} (target <= {NOMINAL_TAIL + 0.01:.3f})")
    print(f"worst false-FAIL: {worst_ff['false_fail']:.4f} at {_cell(worst_ff)}")
    print(f"targets {'met' if ok else 'MISSED'}")
    print(
        json.dumps(
            {
                "estimator": args.estimator,
                "reps": args.reps,
                "seed": args.seed,
                "targets_met": ok,
                "mc_se_coverage": round(se_cov, 4),
                "mc_se_tail": round(se_tail, 4),
                "worst_coverage": _json(worst_cov),
                "worst_false_pass": _json(worst_fp),
                "worst_false_fail": _json(worst_ff),
                "seconds": round(seconds, 1),
            }
        )
    )


def _cell(r: dict) -> str:
    return f"G={r['scenarios']} n={r['trials']} rate={r['rate']} kappa={r['kappa']}"


def _json(r: dict) -> dict:
    return {
        k: (round(v, 4) if isinstance(v, float) and math.isfinite(v) else ("inf" if isinstance(v, float) else v))
        for k, v in r.items()
    }


if __name__ == "__main__":
    main()
