"""Seeded simulations of the statistical claims gate_coverage.py does not cover.

One section per claim, each run through evalkit's own functions (or a
vectorised replica checked against them on a few draws first):

* wilson      - per-scenario Wilson interval bars (report): ``wilson_interval``,
                tabulated for every count 0..n, then read at binomial draws;
                coverage of the scenario's true rate.
* newcombe    - one scenario's pass-rate difference (compare): ``newcombe_diff``
                tabulated over every (ref, cand) count pair; coverage of the true
                difference, false "non_inferior" = P(low > truth).
* clustered   - mean score over scenarios (report overview): ``clustered_mean``
                (replica of its cluster-t formula, checked); bias of the mean
                (the overview prints only the mean) and coverage of its interval.
* paired      - compare's overall difference interval and non-inferiority verdict
                (``paired_bootstrap_diff`` replica: same t interval over scenario
                differences and seed-0 sign flips, checked), and the regression gate
                (``evalkit.verdicts.gates.regression_check`` replica, checked on
                synthetic TrialRecord rows): false-FAIL with no change, and how often
                it PASSes under real drops.
* settle      - ``settle_advice`` on inconclusive suite_mean gates: the fraction of
                fresh suites at the advised design (and at twice it) that settle.

Targets: coverage >= 93% for the 95% intervals; false "non_inferior" and
regression false-FAIL <= 2.5% + 1 point (the one-sided tail of a 95% interval).
The regression gate's PASS under a real drop and settle_advice have no nominal
rate (PASS means "no significant drop"; the advice is a point projection): they
are measured and printed, not judged. The last line is one JSON object with the
worst case per claim.

    python bench/claims_coverage.py                  # ~1-2 min on 2 busy cores
    python bench/claims_coverage.py --scale 0.25     # quicker, 4x fewer replications
    python bench/claims_coverage.py --only paired    # one section
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import time

import numpy as np

from evalkit.spec.models import GateConfig
from evalkit.stats import clustered_mean, newcombe_diff, paired_bootstrap_diff, settle_advice, wilson_interval
from evalkit.stats.distributions import two_sided_t, two_sided_z
from evalkit.stats.suite_rate import suite_rate_bounds, summarise
from evalkit.verdicts.gates import regression_check
from evalkit.verdicts.rows import TrialRecord

CONFIDENCE = 0.95
TAIL = (1 - CONFIDENCE) / 2
COVERAGE_TARGET = 0.93
TAIL_TARGET = TAIL + 0.01
N_RESAMPLES = 2000  # paired_bootstrap_diff's default, which compare and the regression gate use


def _se(p: float, reps: int) -> float:
    return math.sqrt(max(p * (1 - p), 1e-12) / reps)


# --------------------------------------------------------------------------- wilson


def _pmf(n: int, p: float) -> np.ndarray:
    return np.array([math.comb(n, c) * p**c * (1 - p) ** (n - c) for c in range(n + 1)])


def wilson_section(reps: int, seed: int) -> list[dict]:
    """Coverage of one scenario's Wilson bar: simulated, and exact over the binomial."""
    rows = []
    for i, (n, p) in enumerate(itertools.product((1, 2, 3, 5, 10, 20, 50), (0.5, 0.7, 0.8, 0.9, 0.95, 0.99))):
        table = [wilson_interval(c, n, CONFIDENCE) for c in range(n + 1)]
        covers = np.array([iv.low <= p <= iv.high for iv in table])
        draws = np.random.default_rng(seed + i).binomial(n, p, size=reps)
        rows.append(
            {"n": n, "rate": p, "coverage": float(covers[draws].mean()), "exact": float(_pmf(n, p)[covers].sum())}
        )
    return rows


# --------------------------------------------------------------------------- newcombe

NEWCOMBE_PAIRS = ((0.5, 0.5), (0.8, 0.8), (0.95, 0.95), (0.99, 0.99), (0.8, 0.6), (0.6, 0.8), (0.9, 0.7), (0.95, 0.8))


def newcombe_section(reps: int, seed: int) -> list[dict]:
    """Coverage of (cand - ref) by newcombe_diff with n independent trials per side."""
    rows = []
    for i, (n, (pr, pc)) in enumerate(itertools.product((3, 5, 10, 20), NEWCOMBE_PAIRS)):
        low = np.empty((n + 1, n + 1))
        high = np.empty((n + 1, n + 1))
        for r, c in itertools.product(range(n + 1), repeat=2):
            b = newcombe_diff(r, n, c, n, CONFIDENCE)
            low[r, c], high[r, c] = b.low, b.high
        rng = np.random.default_rng(seed + i)
        ref, cand = rng.binomial(n, pr, size=reps), rng.binomial(n, pc, size=reps)
        lo, hi, truth = low[ref, cand], high[ref, cand], pc - pr
        joint = np.outer(_pmf(n, pr), _pmf(n, pc))
        rows.append(
            {
                "n": n,
                "ref": pr,
                "cand": pc,
                "coverage": float(np.mean((lo <= truth) & (truth <= hi))),
                "exact": float(joint[(low <= truth) & (truth <= high)].sum()),
                "exact_noninf": float(joint[low > truth].sum()),
                "false_noninf": float(np.mean(lo > truth)),
                "false_inferior": float(np.mean(hi < truth)),
            }
        )
    return rows


# --------------------------------------------------------------------------- clustered_mean


def _cluster_t(means: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """clustered_mean's formula on rows of G scenario means: mean, low, high."""
    g = means.shape[1]
    mean = means.mean(axis=1)
    half = two_sided_t(CONFIDENCE, g - 1) * means.std(axis=1, ddof=1) / math.sqrt(g)
    return mean, mean - half, mean + half


def _check_cluster_t(rng: np.random.Generator) -> None:
    for g, n in ((3, 2), (10, 5)):
        scores = rng.integers(0, 5, size=(g, n)) / 4
        real = clustered_mean({f"s{j}": list(scores[j]) for j in range(g)}, CONFIDENCE)
        mean, low, high = _cluster_t(scores.mean(axis=1)[None, :])
        assert np.allclose([mean[0], low[0], high[0]], [real.mean, real.low, real.high]), "replica differs"


def clustered_section(reps: int, seed: int) -> list[dict]:
    """Mean score over scenarios: trial score = Binomial(4, m_s) / 4 (a 1-5 scale), m_s ~ Beta(mu, kappa)."""
    _check_cluster_t(np.random.default_rng(seed))
    rows = []
    grid = itertools.product((3, 5, 10, 20, 40), (1, 3, 10), (0.5, 0.8, 0.95), (1.0, 4.0, math.inf))
    for i, (g, n, mu, kappa) in enumerate(grid):
        rng = np.random.default_rng(seed + 1 + i)
        m = np.full((reps, g), mu) if math.isinf(kappa) else rng.beta(mu * kappa, (1 - mu) * kappa, size=(reps, g))
        means = rng.binomial(4 * n, m) / (4 * n)  # mean of n Binomial(4, m)/4 scores
        mean, low, high = _cluster_t(means)
        rows.append(
            {
                "scenarios": g,
                "trials": n,
                "mu": mu,
                "kappa": kappa,
                "bias": float(mean.mean() - mu),
                "bias_se": float(mean.std() / math.sqrt(reps)),
                "coverage": float(np.mean((low <= mu) & (mu <= high))),
            }
        )
    return rows


# --------------------------------------------------------------------------- paired / regression

EFFECTS = {"same": (0.0, 0.0), "varies": (0.0, 1.0), "drop": (-0.5, 0.5), "big_drop": (-1.0, 0.5)}
SIGMA = 1.0  # sd of scenario difficulty on the logit scale


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _true_diff(mu: float, effect: str, rng: np.random.Generator) -> float:
    """Population mean of b_s - a_s (1,000,000 scenarios)."""
    beta, tau = EFFECTS[effect]
    u = _logit(mu) + SIGMA * rng.standard_normal(1_000_000)
    if beta == 0.0 and tau == 0.0:
        return 0.0
    return float(np.mean(_expit(u + beta + tau * rng.standard_normal(u.size)) - _expit(u)))


class PairedReplica:
    """paired_bootstrap_diff + the regression gate, vectorised over rows of per-scenario differences.

    The same t interval over scenario differences (clipped to [-1, 1]) and the same seed-0
    sign flips as the real functions, so each row's interval and p-value equal what evalkit
    computes for that data set.
    """

    def __init__(self, g: int) -> None:
        self.g = g
        if g <= 16:
            self.signs = (((np.arange(2**g)[:, None] >> np.arange(g)) & 1) * 2 - 1).astype(float)
            self.exact = True
        else:
            self.signs = np.random.default_rng(0).choice(np.array([-1.0, 1.0]), size=(N_RESAMPLES, g))
            self.exact = False

    def run(self, diffs: np.ndarray, chunk: int = 100) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        lows, highs, ps = [], [], []
        for start in range(0, len(diffs), chunk):
            d = diffs[start : start + chunk]
            mean = d.mean(axis=1)
            half = two_sided_t(CONFIDENCE, self.g - 1) * d.std(axis=1, ddof=1) / math.sqrt(self.g)
            lo, hi = np.maximum(mean - half, -1.0), np.minimum(mean + half, 1.0)  # pass rates: clipped to [-1, 1]
            observed = np.abs(d.mean(axis=1)) - 1e-12 * np.maximum(1.0, np.abs(d).max(axis=1))
            hits = np.abs(d @ self.signs.T / self.g) >= observed[:, None]
            ps.append(hits.mean(axis=1) if self.exact else (1 + hits.sum(axis=1)) / (1 + N_RESAMPLES))
            lows.append(lo)
            highs.append(hi)
        return np.concatenate(lows), np.concatenate(highs), np.concatenate(ps)

    def gate(self, diffs: np.ndarray, margin: float) -> np.ndarray:
        """The regression gate's decision per row: 'pass', 'fail' or 'inconclusive'."""
        _, high, p = self.run(diffs)
        large = -diffs.mean(axis=1) > margin
        fail = (high < 0) & (p < 1 - CONFIDENCE) & large
        reachable = 2.0 / 2**self.g < 1 - CONFIDENCE if self.exact else True
        if not reachable:
            return np.where(large, "inconclusive", "pass")
        return np.where(fail, "fail", "pass")


def _records(passes: np.ndarray, n: int) -> list[TrialRecord]:
    return [
        TrialRecord(suite="s", scenario_id=f"s{j}", trial=t, outcome="pass" if t < c else "fail")
        for j, c in enumerate(passes)
        for t in range(n)
    ]


def _check_paired(rng: np.random.Generator, n: int = 3) -> int:
    """Replica == evalkit on a few random draws per size (interval, p-value, gate decision)."""
    gate = GateConfig()
    checked = 0
    for g in (5, 6, 10, 20):
        rep = PairedReplica(g)
        for _ in range(4):
            a = rng.binomial(n, rng.uniform(0.3, 1.0, g))
            b = rng.binomial(n, np.clip(a / n - rng.uniform(0, 0.5, g), 0, 1))
            d = ((b - a) / n)[None, :]
            real = paired_bootstrap_diff(
                {f"s{j}": [1.0] * c + [0.0] * (n - c) for j, c in enumerate(a)},
                {f"s{j}": [1.0] * c + [0.0] * (n - c) for j, c in enumerate(b)},
                CONFIDENCE,
            )
            low, high, p = rep.run(d)
            assert np.allclose([low[0], high[0], p[0]], [real.low, real.high, real.p_value]), (g, a, b)
            decision = regression_check(_records(b, n), _records(a, n), gate).decision
            assert decision == rep.gate(d, gate.regression_margin)[0], (g, a, b, decision)
            checked += 1
    return checked


def paired_section(reps: int, seed: int) -> list[dict]:
    """Scenario difficulty u_s ~ N(logit mu, 1); a_s = expit(u_s), b_s = expit(u_s + beta + tau v_s)."""
    print(
        f"paired replica checked against paired_bootstrap_diff and regression_check on "
        f"{_check_paired(np.random.default_rng(seed))} draws"
    )
    margin = GateConfig().regression_margin
    rows = []
    for i, (g, n, mu, effect) in enumerate(itertools.product((5, 10, 20, 40), (3, 10), (0.7, 0.9), EFFECTS)):
        rng = np.random.default_rng(seed + 1 + i)
        truth = _true_diff(mu, effect, np.random.default_rng(seed + 10_000 + i))
        beta, tau = EFFECTS[effect]
        u = _logit(mu) + SIGMA * rng.standard_normal((reps, g))
        a = rng.binomial(n, _expit(u))
        rate_b = _expit(u + beta + tau * rng.standard_normal((reps, g)))
        b = rng.binomial(n, rate_b)
        drawn = (rate_b - _expit(u)).mean(axis=1)
        diffs = (b - a) / n
        rep = PairedReplica(g)
        low, high, _ = rep.run(diffs)
        decision = rep.gate(diffs, margin)
        rows.append(
            {
                "scenarios": g,
                "trials": n,
                "mu": mu,
                "effect": effect,
                "truth": round(truth, 4),
                "coverage": float(np.mean((low <= truth) & (truth <= high))),
                "cov_drawn": float(np.mean((low <= drawn) & (drawn <= high))),
                "false_noninf": float(np.mean(low > truth)),
                "false_inferior": float(np.mean(high < truth)),
                "gate_fail": float(np.mean(decision == "fail")),
                "gate_pass": float(np.mean(decision == "pass")),
                "gate_inconclusive": float(np.mean(decision == "inconclusive")),
            }
        )
    return rows


# --------------------------------------------------------------------------- settle_advice

SETTLE_CASES = ((0.9, 0.8), (0.85, 0.8), (0.7, 0.8))  # (true suite rate, threshold)


def _settles(passes: np.ndarray, trials: int, threshold: float, z: float) -> tuple[np.ndarray, np.ndarray]:
    b = suite_rate_bounds(summarise(passes, np.full(passes.shape, trials)), z)
    return b.low >= threshold, b.high < threshold


def _fresh(
    rates: np.ndarray, trials: int, scenarios: int, draws: int, rate: float, kappa: float, rng: np.random.Generator
) -> np.ndarray:
    """Passes of ``draws`` new suites: the observed scenarios (their true rates) plus new ones from the population."""
    extra = max(0, scenarios - len(rates))
    new = (
        np.full((draws, extra), rate)
        if math.isinf(kappa)
        else rng.beta(rate * kappa, (1 - rate) * kappa, size=(draws, extra))
    )
    true = np.concatenate([np.broadcast_to(rates[:scenarios], (draws, min(scenarios, len(rates)))), new], axis=1)
    return rng.binomial(trials, true)


def settle_section(suites: int, seed: int, redraws: int = 40) -> list[dict]:
    """Inconclusive suites -> settle_advice -> fresh suites at the advised design (and twice it)."""
    z = two_sided_z(CONFIDENCE)
    rows = []
    for i, (g, n, (rate, thr), kappa) in enumerate(
        itertools.product((5, 10, 20), (3, 10), SETTLE_CASES, (4.0, math.inf))
    ):
        rng = np.random.default_rng(seed + i)
        true = (
            np.full((20 * suites, g), rate)
            if math.isinf(kappa)
            else rng.beta(rate * kappa, (1 - rate) * kappa, size=(20 * suites, g))
        )
        passes = rng.binomial(n, true)
        up, down = _settles(passes, n, thr, z)
        open_ = np.flatnonzero(~up & ~down)[:suites]
        kinds: dict[str, int] = {"trials": 0, "scenarios": 0, "never": 0}
        settled, settled2, wrong, advised = [], [], [], []
        for s in open_:
            advice = settle_advice({f"s{j}": (int(c), n) for j, c in enumerate(passes[s])}, thr, CONFIDENCE)
            kinds[advice.kind] += 1
            if advice.kind == "never":
                continue
            k, gg = advice.trials_per_scenario or n, advice.scenarios or g
            advised.append(k if advice.kind == "trials" else gg)
            for factor, out in ((1, settled), (2, settled2)):
                kk, g2 = (k * factor, gg) if advice.kind == "trials" else (k, gg * factor)
                up2, down2 = _settles(_fresh(true[s], kk, g2, redraws, rate, kappa, rng), kk, thr, z)
                out.append(float(np.mean(up2 | down2)))
                if factor == 1:
                    wrong.append(float(np.mean(down2 if rate >= thr else up2)))
        rows.append(
            {
                "scenarios": g,
                "trials": n,
                "rate": rate,
                "threshold": thr,
                "kappa": kappa,
                "inconclusive_seen": len(open_),
                **{f"kind_{k}": v for k, v in kinds.items()},
                "median_advised": float(np.median(advised)) if advised else None,
                "settle_at_advice": float(np.mean(settled)) if settled else None,
                "settle_at_2x": float(np.mean(settled2)) if settled2 else None,
                "wrong_direction": float(np.mean(wrong)) if wrong else None,
            }
        )
    return rows


# --------------------------------------------------------------------------- printing


def _table(rows: list[dict]) -> None:
    keys = list(rows[0])
    print(" ".join(f"{k:>{max(len(k), 6)}}" for k in keys))
    for r in rows:
        print(" ".join(f"{_fmt(r[k]):>{max(len(k), 6)}}" for k in keys))


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return "inf" if math.isinf(v) else f"{v:.4f}" if abs(v) < 1 else f"{v:.4g}"
    return str(v)


def _cell(r: dict, keys: tuple[str, ...]) -> str:
    return " ".join(f"{k}={_fmt(r[k])}" for k in keys)


def summarise_rows(name: str, rows: list[dict], reps: int) -> dict:
    """Worst case per claim against its target (None where no nominal rate exists)."""
    out: dict = {}
    if name == "wilson":
        w = min(rows, key=lambda r: r["exact"])
        gated = [r for r in rows if r["n"] >= 5 and r["rate"] <= 0.95]
        w5 = min(gated, key=lambda r: r["exact"])
        out = {
            "worst_coverage": w["coverage"],
            "at": _cell(w, ("n", "rate")),
            "exact": w["exact"],
            "worst_exact_n5_rate_le_0.95": w5["exact"],
            "at_n5": _cell(w5, ("n", "rate")),
            "met": w["exact"] >= COVERAGE_TARGET,
        }
    elif name == "newcombe":
        w = min(rows, key=lambda r: r["exact"])
        f = max(rows, key=lambda r: r["exact_noninf"])
        out = {
            "worst_coverage": w["coverage"],
            "exact": w["exact"],
            "at": _cell(w, ("n", "ref", "cand")),
            "worst_false_noninf": f["false_noninf"],
            "exact_noninf": f["exact_noninf"],
            "at_noninf": _cell(f, ("n", "ref", "cand")),
            "met": w["exact"] >= COVERAGE_TARGET and f["exact_noninf"] <= TAIL_TARGET,
        }
    elif name == "clustered":
        b = max(rows, key=lambda r: abs(r["bias"]) / max(r["bias_se"], 1e-9))
        w = min((r for r in rows if r["scenarios"] >= 5), key=lambda r: r["coverage"])
        keys = ("scenarios", "trials", "mu", "kappa")
        out = {
            "worst_bias": b["bias"],
            "bias_se": b["bias_se"],
            "at_bias": _cell(b, keys),
            "worst_coverage_g5": w["coverage"],
            "at": _cell(w, keys),
            "worst_coverage_all": min(r["coverage"] for r in rows),
            "met_mean_unbiased": abs(b["bias"]) <= 4 * b["bias_se"] + 1e-9,
            "met_interval_not_printed": w["coverage"] >= COVERAGE_TARGET,
        }
    elif name == "paired":
        keys = ("scenarios", "trials", "mu", "effect")
        w = min(rows, key=lambda r: r["coverage"])
        w10 = min((r for r in rows if r["scenarios"] >= 10), key=lambda r: r["coverage"])
        f = max(rows, key=lambda r: r["false_noninf"])
        ff = max((r for r in rows if r["effect"] == "same"), key=lambda r: r["gate_fail"])
        ffv = max((r for r in rows if r["effect"] == "varies"), key=lambda r: r["gate_fail"])
        fp = max((r for r in rows if r["effect"] == "big_drop" and r["scenarios"] >= 10), key=lambda r: r["gate_pass"])
        out = {
            "worst_coverage": w["coverage"],
            "at": _cell(w, keys),
            "worst_coverage_g10": w10["coverage"],
            "at_g10": _cell(w10, keys),
            "worst_coverage_by_g": {
                g: min(r["coverage"] for r in rows if r["scenarios"] == g) for g in (5, 10, 20, 40)
            },
            "worst_cov_drawn_by_g": {
                g: min(r["cov_drawn"] for r in rows if r["scenarios"] == g) for g in (5, 10, 20, 40)
            },
            "worst_false_noninf_by_g": {
                g: max(r["false_noninf"] for r in rows if r["scenarios"] == g) for g in (5, 10, 20, 40)
            },
            "worst_false_noninf": f["false_noninf"],
            "at_noninf": _cell(f, keys),
            "gate_false_fail_no_change": ff["gate_fail"],
            "at_false_fail": _cell(ff, keys),
            "gate_fail_varies": ffv["gate_fail"],
            "at_varies": _cell(ffv, keys) + f" truth={ffv['truth']}",
            "gate_pass_big_drop_g10": fp["gate_pass"],
            "at_big_drop": _cell(fp, keys) + f" truth={fp['truth']}",
            "met_interval": w["coverage"] >= COVERAGE_TARGET and f["false_noninf"] <= TAIL_TARGET,
            "met_gate_false_fail": ff["gate_fail"] <= TAIL_TARGET,
        }
    elif name == "settle":
        usable = [r for r in rows if r["settle_at_advice"] is not None]
        w = min(usable, key=lambda r: r["settle_at_advice"])
        keys = ("scenarios", "trials", "rate", "threshold", "kappa")
        weights = np.array([r["inconclusive_seen"] - r["kind_never"] for r in usable], dtype=float)
        out = {
            "mean_settle_at_advice": float(np.average([r["settle_at_advice"] for r in usable], weights=weights)),
            "mean_settle_at_2x": float(np.average([r["settle_at_2x"] for r in usable], weights=weights)),
            "worst_settle_at_advice": w["settle_at_advice"],
            "at": _cell(w, keys),
            "worst_wrong_direction": max(r["wrong_direction"] for r in usable),
            "met": None,
        }
    return out


SECTIONS = {
    "wilson": (wilson_section, 20_000),
    "newcombe": (newcombe_section, 20_000),
    "clustered": (clustered_section, 4_000),
    "paired": (paired_section, 1_000),
    "settle": (settle_section, 100),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every section's replications")
    parser.add_argument("--seed", type=int, default=20261218)
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append")
    args = parser.parse_args()
    summary: dict = {"seed": args.seed, "confidence": CONFIDENCE}
    start = time.perf_counter()
    for name in args.only or SECTIONS:
        index = list(SECTIONS).index(name)  # the same seed for a section whether run alone or in the full run
        fn, base = SECTIONS[name]
        reps = max(10, int(base * args.scale))
        t0 = time.perf_counter()
        unit = "inconclusive suites per cell" if name == "settle" else "replications per cell"
        print(f"\n== {name}: {reps} {unit}, seed {args.seed + 1000 * index}")
        rows = fn(reps, args.seed + 1000 * index)
        _table(rows)
        worst = summarise_rows(name, rows, reps)
        worst["reps"] = reps
        if name != "settle":
            worst["mc_se_coverage"] = round(_se(CONFIDENCE, reps), 4)
            worst["mc_se_tail"] = round(_se(TAIL, reps), 4)
        worst["seconds"] = round(time.perf_counter() - t0, 1)
        print(f"-- {name}: " + ", ".join(f"{k}={_fmt(v)}" for k, v in worst.items()))
        summary[name] = worst
    summary["seconds"] = round(time.perf_counter() - start, 1)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
