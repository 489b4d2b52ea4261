"""Do compare's two tests of "no pass-rate difference" hold their size when trials cluster by scenario?

`evalkit compare` prints, for two runs (or tiers) paired by scenario and trial:

* the trial-level exact McNemar p (`evalkit.stats.paired_pass_fail_test`), labelled "ignores scenario
  clustering", and
* the scenario-level p (`evalkit.report.scenario_test.scenario_level_test`): a sign-flip test over
  per-scenario pass-rate differences.

This seeded simulation calls exactly those two functions on simulated paired runs and measures how
often each rejects at p < 0.05:

* **null** (no difference): each scenario has a base difficulty (logit ~ N(logit 0.75, 1)) and an
  effect delta_s ~ N(0, tau) on the logit scale; side b passes with expit(base + delta/2), side a with
  expit(base - delta/2). With tau = 0 both sides have the same rate in every scenario (the "sharp"
  null); with tau > 0 the tiers differ per scenario but not on average: swapping a and b leaves the
  population unchanged, so every scenario's difference is as likely positive as negative. That is the
  null a suite-level comparison is about (the scenarios are a sample of the kind of task), and the one
  McNemar gets wrong: trials of a scenario lean the same way and it counts them as independent.
* **alternative**: the same with delta_s ~ N(mu, tau), mu = 1.0 (b better by about 17 points on
  average: 62% -> 79%).

Per cell: type-I error (null, `--reps` replications) and power (alternative, half as many) of both
tests; the Monte-Carlo SE of a 5% rate is printed.
Target (issue #11): the scenario-level test's type-I error <= 5% + 1 point in every null cell. McNemar's
is printed to show why it is labelled. A second check: pass@k / pass^k (the estimators the report and
compare show) are unbiased: their mean over simulated scenarios matches the true
1 - (1 - p)^k and p^k within Monte-Carlo error (|z| < 4).

The last line is one JSON object.

    python bench/compare_tests.py                # 2,000 replications per cell, ~1 minute on 2 cores
    python bench/compare_tests.py --reps 500     # quicker
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import time

import numpy as np

from evalkit.report.scenario_test import scenario_level_test
from evalkit.stats import paired_pass_fail_test, pass_at_k, pass_hat_k

SCENARIOS = (6, 12, 30)
TRIALS = (3, 10)
TAUS = (0.0, 0.5, 1.5)  # SD of the per-scenario effect on the logit scale
MU_ALT = 1.0
BASE_LOGIT_MEAN, BASE_LOGIT_SD = math.log(0.75 / 0.25), 1.0
ALPHA = 0.05
TARGET = ALPHA + 0.01


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def simulate(
    rng: np.random.Generator, reps: int, g: int, n: int, tau: float, mu: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pass (1) / fail (0) of sides a and b, shape (reps, g, n), paired by scenario and trial index."""
    base = rng.normal(BASE_LOGIT_MEAN, BASE_LOGIT_SD, size=(reps, g, 1))
    delta = rng.normal(mu, tau, size=(reps, g, 1)) if tau > 0 else np.full((reps, g, 1), mu)
    a = rng.random((reps, g, n)) < _expit(base - delta / 2)
    b = rng.random((reps, g, n)) < _expit(base + delta / 2)
    return a, b


def reject_rates(a: np.ndarray, b: np.ndarray, seed: int) -> tuple[float, float]:
    """Share of replications in which McNemar and the scenario-level test reject at ALPHA (as compare computes them)."""
    mcnemar = scenario = 0
    for r in range(a.shape[0]):
        pairs = list(zip(a[r].ravel().tolist(), b[r].ravel().tolist(), strict=True))
        mcnemar += paired_pass_fail_test(pairs).p_value < ALPHA
        va = {f"s{s}": a[r, s].astype(float).tolist() for s in range(a.shape[1])}
        vb = {f"s{s}": b[r, s].astype(float).tolist() for s in range(b.shape[1])}
        p = scenario_level_test(va, vb, 1 - ALPHA, seed=seed + r).p_value
        scenario += p is not None and p < ALPHA
    return mcnemar / a.shape[0], scenario / a.shape[0]


def pass_k_bias(rng: np.random.Generator, reps: int) -> dict[str, float]:
    """Largest |z| of (mean estimate - mean truth) for pass@k and pass^k over n in {3, 5, 10}, k in {2, n}."""
    worst = {"pass_at_k": 0.0, "pass_hat_k": 0.0}
    for n in (3, 5, 10):
        p = rng.beta(3.0, 1.0, size=reps * 20)
        c = rng.binomial(n, p)
        for k in sorted({2, n}):
            for name, est_fn, truth in (("pass_at_k", pass_at_k, 1 - (1 - p) ** k), ("pass_hat_k", pass_hat_k, p**k)):
                table = np.array([est_fn(n, int(ci), k) for ci in range(n + 1)])
                err = table[c] - truth
                z = abs(err.mean()) / (err.std(ddof=1) / math.sqrt(len(err)))
                worst[name] = max(worst[name], float(z))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=2000, help="replications per cell (default 2000)")
    parser.add_argument("--seed", type=int, default=20261203)
    args = parser.parse_args()
    start = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    se = math.sqrt(ALPHA * (1 - ALPHA) / args.reps)
    print(f"alpha {ALPHA}; {args.reps} replications per cell; Monte-Carlo SE of a 5% rate {se:.3%}")
    print(
        f"{'G':>3} {'n':>3} {'tau':>4} | {'type-I McNemar':>14} {'type-I scenario':>15} | "
        f"{'power McNemar':>13} {'power scenario':>14}"
    )
    cells = []
    for g, n, tau in itertools.product(SCENARIOS, TRIALS, TAUS):
        t1_mc, t1_sc = reject_rates(*simulate(rng, args.reps, g, n, tau, 0.0), seed=args.seed)
        pw_mc, pw_sc = reject_rates(*simulate(rng, args.reps // 2, g, n, tau, MU_ALT), seed=args.seed)
        cells.append(
            {
                "scenarios": g,
                "trials": n,
                "tau": tau,
                "type1_mcnemar": t1_mc,
                "type1_scenario": t1_sc,
                "power_mcnemar": pw_mc,
                "power_scenario": pw_sc,
            }
        )
        print(f"{g:>3} {n:>3} {tau:>4} | {t1_mc:>14.1%} {t1_sc:>15.1%} | {pw_mc:>13.1%} {pw_sc:>14.1%}", flush=True)
    bias = pass_k_bias(rng, args.reps)
    print(f"pass@k / pass^k unbiased: largest |z| of mean error {bias['pass_at_k']:.2f} / {bias['pass_hat_k']:.2f}")
    worst_sc = max(cells, key=lambda c: c["type1_scenario"])
    worst_mc = max(cells, key=lambda c: c["type1_mcnemar"])
    summary = {
        "alpha": ALPHA,
        "reps": args.reps,
        "seed": args.seed,
        "mc_se": round(se, 4),
        "worst_type1_scenario": worst_sc["type1_scenario"],
        "worst_type1_scenario_cell": {k: worst_sc[k] for k in ("scenarios", "trials", "tau")},
        "worst_type1_mcnemar": worst_mc["type1_mcnemar"],
        "worst_type1_mcnemar_cell": {k: worst_mc[k] for k in ("scenarios", "trials", "tau")},
        "sharp_null_worst_type1_mcnemar": max(c["type1_mcnemar"] for c in cells if c["tau"] == 0),
        "power_scenario_range": [min(c["power_scenario"] for c in cells), max(c["power_scenario"] for c in cells)],
        "pass_k_max_abs_z": round(max(bias.values()), 2),
        "target_scenario_type1": TARGET,
        "target_met": worst_sc["type1_scenario"] <= TARGET and max(bias.values()) < 4,
        "seconds": round(time.perf_counter() - start, 1),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
