"""Are the inclusion probabilities `evalkit labels sample` writes the real ones?

PPI and any weighted estimate from a labelled sample divide by each item's
recorded `inclusion_probability`; a wrong probability biases every corrected
pass rate. A seeded simulation over random runs (1 to 20 scenarios of 1 to 40
trials each, n from 1 to all trials, so both the "fewer items than scenarios"
and the proportional design are exercised) draws each run `--reps` times with
the code the command runs (`evalkit.labels.sample.draw`) and checks:

- per trial, the drawn frequency against the recorded probability, as a
  z-score (a probability that is right gives |z| > 3 about 0.27% of the time);
- the Horvitz-Thompson estimate of a planted pass rate (sum of y / p over the
  drawn items, divided by the number of trials) is unbiased: its mean over
  draws against the truth, in units of its standard error over those draws.

    python bench/label_sample_weights.py              # 200 runs x 2,000 draws
    python bench/label_sample_weights.py --runs 50    # quicker

The last line is one JSON object: runs, trials, share of |z| > 3, worst |z|,
worst Horvitz-Thompson bias in standard errors.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections import Counter
from pathlib import Path

from evalkit.labels.sample import Candidate, SampleConfig, draw


def _pool(rng: random.Random) -> tuple[list[Candidate], dict[tuple, int]]:
    """A random run's judged trials and a planted pass/fail per trial (scenario rates differ)."""
    pool, outcome = [], {}
    for h in range(rng.randint(1, 20)):
        rate = rng.betavariate(2, 1)
        for t in range(rng.randint(1, 40)):
            key = ("suite", f"s{h:02d}", "default", t)
            pool.append(Candidate(key, Path(f"t{h}-{t}.json"), "0" * 16, None, "fp", 0.0))
            outcome[key] = int(rng.random() < rate)
    return pool, outcome


def one_run(rng: random.Random, reps: int) -> dict:
    pool, outcome = _pool(rng)
    n = rng.randint(1, len(pool))
    seen: Counter = Counter()
    claimed: dict = {}
    estimates = []
    for seed in range(reps):
        config = SampleConfig(None, n, seed)  # type: ignore[arg-type]  # draw() does not read the rubric
        items = draw(pool, config).items
        for item in items:
            seen[item.candidate.key] += 1
            claimed[item.candidate.key] = item.probability
        estimates.append(sum(outcome[i.candidate.key] / i.probability for i in items) / len(pool))
    zs = []
    for candidate in pool:
        p = claimed.get(candidate.key, 0.0)
        se = (p * (1 - p) / reps) ** 0.5
        zs.append(0.0 if se == 0 else abs(seen[candidate.key] / reps - p) / se)
    truth = sum(outcome.values()) / len(pool)
    spread = statistics.pstdev(estimates) / reps**0.5
    bias_se = 0.0 if spread == 0 else abs(statistics.fmean(estimates) - truth) / spread
    return {"trials": len(pool), "n": n, "zs": zs, "bias_se": bias_se}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.perf_counter()
    results = [one_run(rng, args.reps) for _ in range(args.runs)]
    zs = [z for r in results for z in r["zs"]]
    summary = {
        "runs": args.runs,
        "reps": args.reps,
        "trials": len(zs),
        "share_z_above_3": round(sum(z > 3 for z in zs) / len(zs), 5),
        "worst_z": round(max(zs), 2),
        "worst_ht_bias_se": round(max(r["bias_se"] for r in results), 2),
        "mean_ht_bias_se": round(statistics.fmean(r["bias_se"] for r in results), 2),
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(
        f"{len(zs)} trials in {args.runs} runs, {args.reps} draws each: "
        f"{summary['share_z_above_3']:.3%} of trials drawn more than 3 SE from their recorded probability "
        f"(0.27% expected), worst |z| {summary['worst_z']}; Horvitz-Thompson pass rate: worst bias "
        f"{summary['worst_ht_bias_se']} SE, mean {summary['mean_ht_bias_se']} SE (about 0.8 expected)"
    )
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
