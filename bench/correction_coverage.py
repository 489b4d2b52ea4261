"""Do the corrected pass-rate intervals (Rogan-Gladen, PPI++) cover the true rate?

A seeded simulation with a planted judge. Each replication draws G scenarios
with pass rates p_s from Beta(rate * kappa, (1 - rate) * kappa) (heterogeneous
scenarios; kappa = 1, 4, inf: intra-scenario correlation 0.5, 0.2, 0), T trials per
scenario with the true (human) verdict Y ~ Bernoulli(p_s), and the judge's
verdict with P(pass | Y = 1) = TPR, P(pass | Y = 0) = FPR. Then:

* **Rogan-Gladen**: a calibration set of `cal` items labelled elsewhere (fresh
  scenarios from the same population, so the transfer assumption holds) gives
  TPR / FPR with Agresti-Coull standard errors; q is the judge's suite rate on
  the run with the standard error read off its suite interval
  (`proportion_from_interval` of `pass_rate_estimate`; `--q-se neff` uses
  `MeanEstimate.se` instead). Estimand: the population rate `rate`.
* **PPI++**: the same number of labels spread evenly over the run's scenarios
  (`m` = budget / G of each scenario's T trials, a uniform draw: inclusion
  probability m / T); tuned lambda. Estimands: the mean of the G drawn
  scenario rates ("run_scenarios") and the population rate ("scenario_population").

Both call the library's own array code (`rogan_gladen_core`, `ppi_core`,
`suite_rate`). Per cell: coverage, mean width, how often Rogan-Gladen was
refused, the raw judge interval's coverage of the true rate (what the
correction fixes), the width of the labels-only (lambda = 0) interval and the
mean tuned lambda. Target (issue #16): coverage >= 93% in every cell. The last line
is one JSON object.

    python bench/correction_coverage.py                 # 2,000 replications per cell
    python bench/correction_coverage.py --reps 500      # quicker
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import time

import numpy as np

from evalkit.stats.correction import CorrectionConfig, rogan_gladen_core
from evalkit.stats.distributions import two_sided_z
from evalkit.stats.ppi import StrataArrays, _t_quantiles, ppi_core, satterthwaite_df
from evalkit.stats.suite_rate import suite_rate_bounds, summarise

RATES = (0.7, 0.9)
JUDGES = ((0.9, 0.1), (0.85, 0.3))  # (TPR, FPR)
SCENARIOS = (10, 30)
TRIALS = 20
LABEL_BUDGETS = (60, 150, 300)  # human labels: Rogan-Gladen's calibration set (labelled elsewhere) has this many;
# PPI++ spreads them evenly over the run's scenarios (at most all TRIALS of each)
KAPPAS = (1.0, 4.0, math.inf)  # scenario spread: intra-scenario correlation 0.5, 0.2, 0
CONFIDENCE = 0.95
TARGET = 0.93


def _scenario_rates(rng: np.random.Generator, rate: float, kappa: float, shape: tuple[int, ...]) -> np.ndarray:
    if math.isinf(kappa):
        return np.full(shape, rate)
    return rng.beta(rate * kappa, (1 - rate) * kappa, shape)


def _judge(rng: np.random.Generator, y: np.ndarray, tpr: float, fpr: float) -> np.ndarray:
    return (rng.random(y.shape) < np.where(y == 1, tpr, fpr)).astype(float)


def _binomial_se(successes: np.ndarray, n: np.ndarray, z: float) -> np.ndarray:
    """Agresti-Coull standard error, as `binomial_proportion` computes it."""
    adjusted = (successes + z * z / 2.0) / (n + z * z)
    return np.sqrt(adjusted * (1.0 - adjusted) / (n + z * z))


def _rogan_gladen(rng, reps, g, rate, kappa, tpr, fpr, cal, f, cfg, q_se_from):
    z = two_sided_z(CONFIDENCE)
    y_cal = (rng.random((reps, cal)) < _scenario_rates(rng, rate, kappa, (reps, cal))).astype(float)
    f_cal = _judge(rng, y_cal, tpr, fpr)
    pos, neg = y_cal.sum(axis=1), (1 - y_cal).sum(axis=1)
    tp, fp = (f_cal * y_cal).sum(axis=1), (f_cal * (1 - y_cal)).sum(axis=1)
    t_hat = np.divide(tp, pos, out=np.zeros(reps), where=pos > 0)
    f_hat = np.divide(fp, neg, out=np.zeros(reps), where=neg > 0)
    summary = summarise(f.sum(axis=2), np.full((reps, g), float(f.shape[2])))
    bounds = suite_rate_bounds(summary, z)
    q = summary.p
    if q_se_from == "interval":  # as proportion_from_interval reads the suite interval
        q_se = (bounds.high - bounds.low) / (2.0 * z)
    else:  # MeanEstimate.se: the spread-seen part only
        q_se = np.sqrt(q * (1 - q) / bounds.n_eff)
    r = rogan_gladen_core(q, q_se, t_hat, _binomial_se(tp, pos, z), f_hat, _binomial_se(fp, neg, z), cfg)
    raw_cover = (bounds.low <= rate) & (rate <= bounds.high)
    return r, raw_cover


def _strata(y: np.ndarray, f: np.ndarray, m: int) -> StrataArrays:
    reps, g, t = y.shape
    yl, fl = y[:, :, :m], f[:, :, :m]
    ones = np.ones((reps, g))
    return StrataArrays(
        n=ones * m,
        big_n=ones * t,
        pi=ones * m / t,
        w=ones / g,
        y_mean=yl.mean(axis=2),
        f_lab=fl.mean(axis=2),
        f_all=f.mean(axis=2),
        syy=((yl - yl.mean(axis=2, keepdims=True)) ** 2).sum(axis=2),
        syf=((yl - yl.mean(axis=2, keepdims=True)) * (fl - fl.mean(axis=2, keepdims=True))).sum(axis=2),
        sff=((f - f.mean(axis=2, keepdims=True)) ** 2).sum(axis=2),
        sff_lab=((fl - fl.mean(axis=2, keepdims=True)) ** 2).sum(axis=2),
    )


def _cover(low: np.ndarray, high: np.ndarray, truth: np.ndarray | float) -> float:
    return float(np.mean((low <= truth) & (truth <= high)))


def _without_safeguards(strata: StrataArrays, r, drop: str) -> tuple[np.ndarray, np.ndarray]:
    """The run-scenarios interval without the continuity correction ("cc") or Satterthwaite's df ("df")."""
    pooled = np.maximum((strata.n - 1.0).sum(axis=-1), 1.0)
    t = _t_quantiles(CONFIDENCE, pooled if drop == "df" else satterthwaite_df(strata, r.lam, pooled))
    half = t * r.se + (0.0 if drop == "cc" else 0.5 * (strata.w / strata.n).max(axis=-1))
    return np.clip(r.estimate - half, 0, 1), np.clip(r.estimate + half, 0, 1)


def run_cell(
    rng: np.random.Generator,
    reps: int,
    g: int,
    rate: float,
    kappa: float,
    judge: tuple[float, float],
    budget: int,
    q_se_from: str = "interval",
) -> dict:
    tpr, fpr = judge
    cal, m = budget, min(budget // g, TRIALS)
    p = _scenario_rates(rng, rate, kappa, (reps, g))
    y = (rng.random((reps, g, TRIALS)) < p[:, :, None]).astype(float)
    f = _judge(rng, y, tpr, fpr)
    cfg = CorrectionConfig(confidence=CONFIDENCE)
    rg, raw_cover = _rogan_gladen(rng, reps, g, rate, kappa, tpr, fpr, cal, f, cfg, q_se_from)
    kept = ~rg.refused
    strata = _strata(y, f, m)
    run_scen = ppi_core(strata, cfg)
    population = ppi_core(strata, CorrectionConfig(confidence=CONFIDENCE, estimand="scenario_population"))
    classical = ppi_core(strata, CorrectionConfig(confidence=CONFIDENCE, lam=0.0))
    drawn = p.mean(axis=1)
    return {
        "G": g,
        "rate": rate,
        "kappa": "inf" if math.isinf(kappa) else kappa,
        "tpr": tpr,
        "fpr": fpr,
        "cal": cal,
        "labels_per_scenario": m,
        "rg_cov": _cover(rg.low[kept], rg.high[kept], rate) if kept.any() else None,
        "rg_width": float(np.mean(rg.high[kept] - rg.low[kept])) if kept.any() else None,
        "rg_refused": float(np.mean(rg.refused)),
        "raw_cov": float(np.mean(raw_cover)),
        "ppi_cov_run": _cover(run_scen.low, run_scen.high, drawn),
        "ppi_width_run": float(np.mean(run_scen.high - run_scen.low)),
        "ppi_cov_run_no_cc": _cover(*_without_safeguards(strata, run_scen, "cc"), drawn),
        "ppi_cov_run_pooled_df": _cover(*_without_safeguards(strata, run_scen, "df"), drawn),
        "ppi_cov_pop": _cover(population.low, population.high, rate),
        "ppi_width_pop": float(np.mean(population.high - population.low)),
        "classical_width_run": float(np.mean(classical.high - classical.low)),
        "mean_lambda": float(np.mean(run_scen.lam)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2000, help="replications per cell")
    parser.add_argument("--seed", type=int, default=20261216)
    parser.add_argument(
        "--q-se",
        choices=("interval", "neff"),
        default="interval",
        help="q's standard error for Rogan-Gladen: from the suite interval's width (shipped advice) "
        "or MeanEstimate.se (sqrt(q (1 - q) / n_eff), for comparison)",
    )
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    cells = [
        run_cell(rng, args.reps, g, rate, kappa, judge, budget, args.q_se)
        for g, rate, kappa, judge, budget in itertools.product(SCENARIOS, RATES, KAPPAS, JUDGES, LABEL_BUDGETS)
    ]
    header = (
        "G",
        "rate",
        "kappa",
        "tpr",
        "fpr",
        "cal",
        "labels_per_scenario",
        "rg_cov",
        "rg_width",
        "rg_refused",
        "raw_cov",
        "ppi_cov_run",
        "ppi_width_run",
        "ppi_cov_pop",
        "ppi_width_pop",
        "classical_width_run",
        "mean_lambda",
    )
    print(" ".join(header))
    for c in cells:
        print(" ".join(f"{c[h]:>{len(h)}.3f}" if isinstance(c[h], float) else f"{c[h]!s:>{len(h)}}" for h in header))
    worst = {
        k: min((c for c in cells if c[k] is not None), key=lambda c: c[k])
        for k in ("rg_cov", "ppi_cov_run", "ppi_cov_pop")
    }
    alternatives = {k: round(min(c[k] for c in cells), 4) for k in ("ppi_cov_run_no_cc", "ppi_cov_run_pooled_df")}
    mc_se = (0.95 * 0.05 / args.reps) ** 0.5
    summary = {
        "reps_per_cell": args.reps,
        "cells": len(cells),
        "seed": args.seed,
        "q_se": args.q_se,
        "mc_se": round(mc_se, 4),
        **{f"worst_{k}": round(worst[k][k], 4) for k in worst},
        **{f"worst_{k}_cell": {h: worst[k][h] for h in header[:7]} for k in worst},
        "worst_raw_cov": round(min(c["raw_cov"] for c in cells), 4),
        "max_rg_refused": round(max(c["rg_refused"] for c in cells), 4),
        "target_met": all(worst[k][k] >= TARGET for k in worst),
        "alternatives_worst": alternatives,
        "seconds": round(time.perf_counter() - start, 1),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
