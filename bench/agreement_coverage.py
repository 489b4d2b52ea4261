"""Do the clustered agreement intervals (`cluster_interval`) cover the population's kappa, AC1 and agreement?

A seeded simulation of a calibration set: G scenarios, m labelled transcripts
each. Scenario s has a human pass rate p_s ~ Beta(rate * 4, (1 - rate) * 4) and
its own judge accuracy (TPR_s ~ Beta mean 0.85, FPR_s ~ Beta mean 0.15,
concentration 10): a judge that misreads one transcript of a scenario tends to
misread its siblings, which is why the interval resamples scenarios. The
estimand is the statistic of the population table (cell probabilities averaged
over the scenario distribution, computed from 400,000 scenarios).

G >= 10 uses the BCa bootstrap at expanded levels over scenarios, G < 10 the
delete-one-scenario jackknife with t(G - 1) (the "few clusters" fallback).
The statistic is computed from 2 x 2 counts (the same formulas as
`evalkit.stats.agreement`; `cluster_interval` is the library's). Per cell:
coverage, how often there was no interval, mean width. Target: coverage >= 93%
where an interval was given. Last line: one JSON object.

    python bench/agreement_coverage.py                # 200 replications x 500 resamples per cell, ~2-3 min
    python bench/agreement_coverage.py --reps 50      # quicker
"""

from __future__ import annotations

import argparse
import itertools
import json
import time

import numpy as np

from evalkit.stats.cluster_bootstrap import BootstrapConfig, cluster_interval

SCENARIOS = (5, 8, 10, 20, 40)
PER_SCENARIO = (3, 6)
RATES = (0.7, 0.9)
TARGET = 0.93


def kappa(t: np.ndarray) -> float | None:
    """Cohen's kappa of a 2 x 2 table [[tn, fn], [fp, tp]] (judge rows, human columns)."""
    n = t.sum()
    p_a = (t[0, 0] + t[1, 1]) / n
    p_e = (t[0].sum() * t[:, 0].sum() + t[1].sum() * t[:, 1].sum()) / n**2
    return None if p_e == 1.0 else float((p_a - p_e) / (1.0 - p_e))


def ac1(t: np.ndarray) -> float:
    """Gwet's AC1 of a 2 x 2 table."""
    n = t.sum()
    p_a = (t[0, 0] + t[1, 1]) / n
    pi = (t[1].sum() + t[:, 1].sum()) / (2 * n)
    p_e = 2 * pi * (1 - pi)
    return float((p_a - p_e) / (1.0 - p_e))


def agreement(t: np.ndarray) -> float:
    return float((t[0, 0] + t[1, 1]) / t.sum())


STATS = {"kappa": kappa, "ac1": ac1, "agreement": agreement}


def _scenarios(rng: np.random.Generator, g: int, rate: float) -> tuple[np.ndarray, ...]:
    p = rng.beta(rate * 4, (1 - rate) * 4, g)
    tpr = rng.beta(8.5, 1.5, g)
    fpr = rng.beta(1.5, 8.5, g)
    return p, tpr, fpr


def population_table(rng: np.random.Generator, rate: float) -> np.ndarray:
    p, tpr, fpr = _scenarios(rng, 400_000, rate)
    tp, fn = np.mean(p * tpr), np.mean(p * (1 - tpr))
    fp, tn = np.mean((1 - p) * fpr), np.mean((1 - p) * (1 - fpr))
    return np.array([[tn, fn], [fp, tp]])


def one_set(rng: np.random.Generator, g: int, m: int, rate: float) -> tuple[np.ndarray, np.ndarray]:
    p, tpr, fpr = _scenarios(rng, g, rate)
    human = (rng.random((g, m)) < p[:, None]).astype(int)
    judge = (rng.random((g, m)) < np.where(human == 1, tpr[:, None], fpr[:, None])).astype(int)
    return (judge * 2 + human).ravel(), np.repeat(np.arange(g), m)  # cell code 0..3 = [judge][human]


def run_cell(
    rng: np.random.Generator,
    reps: int,
    g: int,
    m: int,
    rate: float,
    truth: dict[str, float],
    resamples: int,
    min_clusters: int,
) -> dict:
    out: dict = {"G": g, "per_scenario": m, "rate": rate}
    hits = {k: [] for k in STATS}
    widths = {k: [] for k in STATS}
    for r in range(reps):
        cells, clusters = one_set(rng, g, m, rate)
        config = BootstrapConfig(n_resamples=resamples, seed=r, min_clusters=min_clusters)
        for name, stat in STATS.items():

            def statistic(i: np.ndarray, stat=stat, cells=cells) -> float | None:
                table = np.bincount(cells[i], minlength=4).reshape(2, 2).astype(float)
                return stat(table)

            got = cluster_interval(statistic, clusters.tolist(), config)
            if got.low is None:
                hits[name].append(None)
                continue
            hits[name].append(got.low <= truth[name] <= got.high)
            widths[name].append(got.high - got.low)
    for name in STATS:
        given = [h for h in hits[name] if h is not None]
        out[f"{name}_cov"] = float(np.mean(given)) if given else None
        out[f"{name}_none"] = 1.0 - len(given) / reps
        out[f"{name}_width"] = float(np.mean(widths[name])) if widths[name] else None
    out["method"] = "jackknife" if g < min_clusters else "bootstrap"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200, help="replications per cell")
    parser.add_argument("--resamples", type=int, default=500, help="bootstrap resamples per interval")
    parser.add_argument("--seed", type=int, default=20261217)
    parser.add_argument(
        "--min-clusters",
        type=int,
        default=BootstrapConfig().min_clusters,
        help="below this many scenarios the jackknife fallback is used (2: bootstrap everywhere)",
    )
    parser.add_argument("--scenarios", type=int, nargs="+", default=list(SCENARIOS))
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    truths = {}
    for rate in RATES:
        table = population_table(rng, rate)
        truths[rate] = {k: f(table) for k, f in STATS.items()}
    cells = [
        run_cell(rng, args.reps, g, m, rate, truths[rate], args.resamples, args.min_clusters)
        for g, m, rate in itertools.product(args.scenarios, PER_SCENARIO, RATES)
    ]
    header = ["G", "per_scenario", "rate", "method"] + [f"{k}_{s}" for k in STATS for s in ("cov", "none", "width")]
    print(" ".join(header))
    for c in cells:
        print(" ".join(f"{c[h]:>{len(h)}.3f}" if isinstance(c[h], float) else f"{c[h]!s:>{len(h)}}" for h in header))
    worst = {k: min((c for c in cells if c[f"{k}_cov"] is not None), key=lambda c: c[f"{k}_cov"]) for k in STATS}
    summary = {
        "reps_per_cell": args.reps,
        "resamples": args.resamples,
        "min_clusters": args.min_clusters,
        "cells": len(cells),
        "seed": args.seed,
        "mc_se": round((0.95 * 0.05 / args.reps) ** 0.5, 4),
        "truth": {str(r): {k: round(v, 4) for k, v in t.items()} for r, t in truths.items()},
        **{f"worst_{k}_cov": round(worst[k][f"{k}_cov"], 4) for k in STATS},
        **{f"worst_{k}_cell": {h: worst[k][h] for h in ("G", "per_scenario", "rate", "method")} for k in STATS},
        "target_met": all(worst[k][f"{k}_cov"] >= TARGET for k in STATS),
        "seconds": round(time.perf_counter() - start, 1),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
