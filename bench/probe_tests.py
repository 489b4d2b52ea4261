"""Do the bias probes' printed statistics mean what they say? A seeded simulation through the real functions.

`evalkit calibrate --probes` prints, per probe and scope, a flip rate, a pass-rate
shift and an exact McNemar p-value (`evalkit.calibration.probe_stats.flip_test`),
and for pairwise position P(first | inconsistent) with an exact binomial p-value
(`position_test`). This draws paired judge outcomes with a planted truth and checks:

- size: with no bias (a judge that flips as often each way, so its pass rate does
  not move) the exact test rejects at 5% no more than 5% of the time, for 10 to 80
  items and 5% to 50% of them flipping (noise such as temperature sampling);
- estimates: the printed flip rate and shift average to the planted ones (no bias);
- power: how often a planted one-way bias (a judge obeying an injection on a share
  of the failing items) is detected at 5%;
- the same size and estimate checks for P(first | inconsistent) under a fair and a
  position-biased pairwise judge.

    python bench/probe_tests.py               # 2,000 replications per cell (about 5 s)
    python bench/probe_tests.py --reps 500    # quicker

The last line is one JSON object with the worst size of each test, the largest
average estimation error, and the power cells.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

from evalkit.calibration.probe_stats import flip_test, position_test

ALPHA = 0.05
SIZES = (10, 20, 40, 80)
NOISE = (0.05, 0.2, 0.5)  # share of items whose outcome the edit flips, half each way
BIAS = (0.1, 0.3)  # share of failing items a biased judge flips to pass
PASS_RATE = 0.6


def null_pairs(rng: random.Random, n: int, flip: float) -> list[tuple[float, float]]:
    """Marginally unchanged: P(fail->pass) = P(pass->fail) = flip / 2."""
    out = []
    for _ in range(n):
        u = rng.random()
        if u < flip / 2:
            out.append((0.0, 1.0))
        elif u < flip:
            out.append((1.0, 0.0))
        else:
            v = 1.0 if rng.random() < PASS_RATE else 0.0
            out.append((v, v))
    return out


def biased_pairs(rng: random.Random, n: int, bias: float) -> list[tuple[float, float]]:
    """Items a person failed; the judge passes PASS_RATE / 2 of them anyway and flips `bias` of the rest to pass."""
    out = []
    for _ in range(n):
        before = 1.0 if rng.random() < PASS_RATE / 2 else 0.0
        after = 1.0 if before == 0.0 and rng.random() < bias else before
        out.append((before, after))
    return out


def flip_cells(rng: random.Random, reps: int) -> list[dict]:
    cells = []
    for n in SIZES:
        for flip in NOISE:
            tests = [flip_test("x", null_pairs(rng, n, flip)) for _ in range(reps)]
            cells.append(
                {
                    "test": "mcnemar",
                    "n": n,
                    "noise": flip,
                    "size": sum(t.p_value is not None and t.p_value <= ALPHA for t in tests) / reps,
                    "flip_rate_error": statistics.fmean(t.flip_rate for t in tests) - flip,
                    "shift_error": statistics.fmean(t.pass_shift for t in tests),
                }
            )
        for bias in BIAS:
            tests = [flip_test("x", biased_pairs(rng, n, bias)) for _ in range(reps)]
            planted = (1 - PASS_RATE / 2) * bias
            cells.append(
                {
                    "test": "mcnemar",
                    "n": n,
                    "bias": bias,
                    "power": sum(t.p_value is not None and t.p_value <= ALPHA for t in tests) / reps,
                    "shift_error": statistics.fmean(t.pass_shift for t in tests) - planted,
                }
            )
    return cells


def position_orders(rng: random.Random, n: int, p_first: float, consistent: float = 0.5) -> list[tuple[str, str]]:
    """n pairs; `consistent` of them agree across orders, the rest won by the first-shown with prob p_first."""
    out = []
    for _ in range(n):
        if rng.random() < consistent:
            w = rng.choice("ab")
            out.append((w, w))
        else:
            out.append(("a", "b") if rng.random() < p_first else ("b", "a"))
    return out


def position_cells(rng: random.Random, reps: int) -> list[dict]:
    cells = []
    for n in SIZES:
        for p_first in (0.5, 0.7):
            counts = [position_test(position_orders(rng, n, p_first)) for _ in range(reps)]
            decided = [c for c in counts if c["p_first"] is not None]
            rejected = sum(c["p_value"] is not None and c["p_value"] <= ALPHA for c in counts) / reps
            cell = {
                "test": "position",
                "n": n,
                "p_first": p_first,
                "p_first_error": statistics.fmean(c["p_first"] for c in decided) - p_first,
            }
            cell["size" if p_first == 0.5 else "power"] = rejected
            cells.append(cell)
    return cells


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20261203)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.perf_counter()
    cells = flip_cells(rng, args.reps) + position_cells(rng, args.reps)
    for cell in cells:
        print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in cell.items()}))
    mcnemar = [c for c in cells if c["test"] == "mcnemar"]
    position = [c for c in cells if c["test"] == "position"]
    summary = {
        "reps": args.reps,
        "seed": args.seed,
        "mcnemar_worst_size": max(c["size"] for c in mcnemar if "size" in c),
        "position_worst_size": max(c["size"] for c in position if "size" in c),
        "worst_flip_rate_error": round(max(abs(c["flip_rate_error"]) for c in mcnemar if "flip_rate_error" in c), 4),
        "worst_shift_error": round(max(abs(c["shift_error"]) for c in mcnemar), 4),
        "worst_p_first_error": round(max(abs(c["p_first_error"]) for c in position), 4),
        "mcnemar_power": {f"n{c['n']}_bias{c['bias']}": c["power"] for c in mcnemar if "power" in c},
        "position_power_p07": {f"n{c['n']}": c["power"] for c in position if "power" in c},
        "seconds": round(time.perf_counter() - started, 1),
    }
    ok = summary["mcnemar_worst_size"] <= ALPHA and summary["position_worst_size"] <= ALPHA
    print(
        f"exact McNemar size <= {ALPHA}: worst {summary['mcnemar_worst_size']:.4f}; position test worst size "
        f"{summary['position_worst_size']:.4f}; flip rate and shift estimates off by at most "
        f"{summary['worst_flip_rate_error']} / {summary['worst_shift_error']}; {'OK' if ok else 'SIZE EXCEEDED'}"
    )
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
