"""Seeded simulation of `evalkit history drift`: false alarms on pure noise, power on planted drops.

Each simulated history has S scenarios x T tiers, 2 x window runs, n trials
per cell and run. Runs are correlated the way real ones are: a run-wide effect
(the day's model deployment, shared by every scenario of the run) and a
cell-and-run effect (this scenario's luck in this run), both on the logit
scale, plus a share of invalid trials. The very function the CLI calls,
`evalkit.history.drift.drift`, decides each history.

* noise: no cell changes; a history is a false alarm when any cell is flagged
  (the job would exit 1). Claim: that rate is at most alpha (Holm controls the
  family-wise rate), with its Wilson interval printed.
* drop: one cell's pass rate falls by `delta` in the last window; power = how
  often that cell is flagged; `other_flagged` = how often another cell is.
* naive: the same histories under the same exact test and Holm on the raw
  pooled counts (trials taken as independent, no design effect), to show what
  ignoring run clustering costs (false alarms) and what accounting for it costs (power).

Correlation levels (logit sd of the run-wide and the cell-and-run effects):
independent (0, 0), moderate (0.5, 0.5), strong (1, 1), and uneven (0.5, and
0 or 2 by cell: the pooled intra-run correlation fits no cell well).

Usage: python bench/history_drift.py [--histories 1000] [--window 5] [--quick]
The last line of output is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evalkit.history.drift import DriftConfig, drift
from evalkit.history.drift_stats import boschloo_greater, holm
from evalkit.stats import wilson_interval


@dataclass(frozen=True)
class SimConfig:
    scenarios: int = 8
    tiers: int = 2
    window: int = 5
    trials: int = 5
    run_sd: float = 0.5  # logit sd of the run-wide effect
    cell_sd: float = 0.5  # logit sd of the cell-and-run effect
    uneven: bool = False  # cell-and-run sd 0 for even cells, 2 x cell_sd for odd ones (rho differs by cell)
    invalid_rate: float = 0.05
    delta: float = 0.0  # drop in pass probability of cell 0 in the last window
    base_low: float = 0.6
    base_high: float = 0.95


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1.0 - p))


def simulate(config: SimConfig, seed: int) -> SimpleNamespace:
    """One history as the `runs` and `trials` frames `evalkit.history.frames.load_frames` returns."""
    rng = np.random.default_rng(seed)
    cells = [(f"s{s:02d}", f"tier{t}") for s in range(config.scenarios) for t in range(config.tiers)]
    n_runs = 2 * config.window
    base = rng.uniform(config.base_low, config.base_high, size=len(cells))
    start = pd.Timestamp("2026-01-01", tz="UTC")
    cell_sds = np.full(len(cells), config.cell_sd)
    if config.uneven:
        cell_sds = np.where(np.arange(len(cells)) % 2 == 0, 0.0, 2.0 * config.cell_sd)
    rows = []
    for r in range(n_runs):
        run_effect = rng.normal(0.0, config.run_sd)
        p = base.copy()
        if r >= config.window and config.delta:
            p[0] = max(0.01, p[0] - config.delta)
        logits = _logit(p) + run_effect + rng.normal(0.0, 1.0, size=len(cells)) * cell_sds
        prob = 1.0 / (1.0 + np.exp(-logits))
        passed = rng.random((len(cells), config.trials)) < prob[:, None]
        invalid = rng.random((len(cells), config.trials)) < config.invalid_rate
        when = start + pd.Timedelta(days=r)
        for c, (scenario, tier) in enumerate(cells):
            for t in range(config.trials):
                outcome = "invalid" if invalid[c, t] else ("pass" if passed[c, t] else "fail")
                rows.append(
                    (
                        f"run-{r:03d}",
                        when,
                        "main",
                        "sim",
                        scenario,
                        tier,
                        t,
                        outcome,
                        None if outcome == "invalid" else float(passed[c, t]),
                    )
                )
    trials = pd.DataFrame(
        rows, columns=["run_id", "started_at", "branch", "suite", "scenario", "tier", "trial", "outcome", "score"]
    )
    runs = pd.DataFrame({"run_id": [f"run-{r:03d}" for r in range(n_runs)]})
    return SimpleNamespace(runs=runs, trials=trials)


def naive_flagged(frames: SimpleNamespace, window: int, alpha: float) -> set[tuple[str, str]]:
    """The same exact test and Holm on the raw pooled counts (trials taken as independent): the cells flagged."""
    t = frames.trials[frames.trials["outcome"].isin(["pass", "fail"])]
    order = sorted(t["run_id"].unique())
    after = set(order[-window:])
    p_values, keys = [], []
    for key, cell in t.groupby(["scenario", "tier"]):
        keys.append(key)
        late = cell["run_id"].isin(after)
        bp, bn = int((cell[~late]["outcome"] == "pass").sum()), int((~late).sum())
        ap, an = int((cell[late]["outcome"] == "pass").sum()), int(late.sum())
        p_values.append(boschloo_greater(bp, bn, ap, an))
    return {k for k, hit in zip(keys, holm(p_values, alpha)[0], strict=True) if hit}


def run_noise(config: SimConfig, histories: int, alpha: float, seed0: int, naive: bool) -> dict[str, object]:
    flagged = naive_count = 0
    for i in range(histories):
        frames = simulate(config, seed0 + i)
        flagged += bool(drift(frames, DriftConfig(window=config.window, alpha=alpha)).drifting)
        if naive:
            naive_count += bool(naive_flagged(frames, config.window, alpha))
    ci = wilson_interval(flagged, histories)
    out: dict[str, object] = {
        "histories": histories,
        "false_alarms": flagged,
        "rate": flagged / histories,
        "rate_ci95": [round(ci.low, 4), round(ci.high, 4)],
    }
    if naive:
        nci = wilson_interval(naive_count, histories)
        out["naive_rate"] = naive_count / histories
        out["naive_ci95"] = [round(nci.low, 4), round(nci.high, 4)]
    return out


def run_drop(config: SimConfig, histories: int, alpha: float, seed0: int) -> dict[str, object]:
    hit = other = naive_hit = 0
    for i in range(histories):
        frames = simulate(config, seed0 + i)
        report = drift(frames, DriftConfig(window=config.window, alpha=alpha))
        names = {(r.scenario, r.tier) for r in report.drifting}
        hit += ("s00", "tier0") in names
        other += bool(names - {("s00", "tier0")})
        naive_hit += ("s00", "tier0") in naive_flagged(frames, config.window, alpha)
    ci = wilson_interval(hit, histories)
    return {
        "delta": config.delta,
        "histories": histories,
        "power": hit / histories,
        "power_ci95": [round(ci.low, 4), round(ci.high, 4)],
        "other_flagged_rate": other / histories,
        "naive_power": naive_hit / histories,
    }


LEVELS: dict[str, dict[str, object]] = {
    "independent": {"run_sd": 0.0, "cell_sd": 0.0},
    "moderate": {"run_sd": 0.5, "cell_sd": 0.5},
    "strong": {"run_sd": 1.0, "cell_sd": 1.0},
    # half the cells have no run-to-run spread of their own, half twice "strong": the pooled rho
    # under-reads the spread of the second half, the case the pooling could get wrong
    "uneven": {"run_sd": 0.5, "cell_sd": 1.0, "uneven": True},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--histories", type=int, default=1000, help="noise histories per level (drops: a quarter)")
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--quick", action="store_true", help="100 histories per level")
    parser.add_argument("--levels", default=",".join(LEVELS), help="correlation levels to simulate (noise)")
    parser.add_argument("--drop-levels", default="moderate,strong", help="levels to plant drops in ('' = none)")
    args = parser.parse_args()
    n = 100 if args.quick else args.histories
    t0 = time.perf_counter()
    noise = {}
    for name in filter(None, args.levels.split(",")):
        noise[name] = run_noise(
            SimConfig(window=args.window, **LEVELS[name]),
            n,
            args.alpha,  # type: ignore[arg-type]
            args.seed,
            naive=True,
        )
        print(f"noise {name}: {noise[name]}", flush=True)
    drops = []
    for level in filter(None, args.drop_levels.split(",")):
        for delta in (0.2, 0.3, 0.4, 0.5):
            config = SimConfig(window=args.window, delta=delta, **LEVELS[level])  # type: ignore[arg-type]
            d = {"level": level, **run_drop(config, max(50, n // 4), args.alpha, args.seed + 10_000)}
            drops.append(d)
            print(f"drop: {d}", flush=True)
    config = SimConfig(window=args.window)
    result = {
        "bench": "history_drift",
        "alpha": args.alpha,
        "window": args.window,
        "cells": config.scenarios * config.tiers,
        "trials_per_run": config.trials,
        "levels": {k: LEVELS[k] for k in noise},
        "invalid_rate": config.invalid_rate,
        "noise": noise,
        "drops": drops,
        "claim_false_alarm_le_alpha": all(v["rate"] <= args.alpha for v in noise.values()),
        "seconds": round(time.perf_counter() - t0, 1),
        "machine": f"{platform.machine()} {platform.python_version()} {os.cpu_count()} cpu",
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
