"""Spearman's rho and Kendall's tau-b without scipy: does the judge order transcripts as a person does?

Both handle ties the standard way (average ranks; tau-b's tie correction), which
matters on 1..5 scales where most pairs are tied. None when a side is constant
(no order to agree with). Pairs with a missing side are dropped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def paired_scores(a: Sequence[float | int | None], b: Sequence[float | int | None]) -> tuple[np.ndarray, np.ndarray]:
    """The two score arrays with every pair that misses a side (None / NaN) dropped."""
    if len(a) != len(b):
        raise ValueError(f"need one score per item on both sides, got {len(a)} and {len(b)}")
    x = np.array([math.nan if v is None else v for v in a], dtype=float)
    y = np.array([math.nan if v is None else v for v in b], dtype=float)
    keep = ~(np.isnan(x) | np.isnan(y))
    return x[keep], y[keep]


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n, tied values sharing the mean of their positions."""
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    before = np.cumsum(counts) - counts
    return (before + (counts + 1) / 2.0)[inverse]


def spearman(a: Sequence[float | None], b: Sequence[float | None]) -> float | None:
    """Pearson correlation of the average ranks; None with < 2 pairs or a constant side."""
    x, y = paired_scores(a, b)
    if len(x) < 2:
        return None
    rx, ry = average_ranks(x), average_ranks(y)
    rx, ry = rx - rx.mean(), ry - ry.mean()
    denominator = math.sqrt(float(np.sum(rx * rx)) * float(np.sum(ry * ry)))
    return None if denominator == 0.0 else float(np.sum(rx * ry)) / denominator


def kendall_tau_b(a: Sequence[float | None], b: Sequence[float | None]) -> float | None:
    """tau-b = (P - Q) / sqrt((n0 - n1)(n0 - n2)), counted exactly from the contingency table.

    P / Q are concordant / discordant pairs, n0 = n(n-1)/2, n1 and n2 the pairs
    tied on each side. Counting from the table of distinct values is exact in
    integers and fast on scales (a few distinct values, any number of items).
    """
    x, y = paired_scores(a, b)
    n = len(x)
    if n < 2:
        return None
    ux, ix = np.unique(x, return_inverse=True)
    uy, iy = np.unique(y, return_inverse=True)
    kx, ky = len(ux), len(uy)
    table = np.bincount(ix * ky + iy, minlength=kx * ky).reshape(kx, ky).astype(np.int64)
    # below_right[i, j] = sum of table[i+1:, j+1:]; below_left[i, j] = sum of table[i+1:, :j]
    suffix = np.zeros((kx + 1, ky + 1), dtype=np.int64)
    suffix[:kx, :ky] = table[::-1, ::-1].cumsum(axis=0).cumsum(axis=1)[::-1, ::-1]
    below_right = suffix[1:, 1:]
    row_suffix = np.zeros((kx + 1, ky), dtype=np.int64)
    row_suffix[:kx] = table[::-1].cumsum(axis=0)[::-1]
    below = row_suffix[1:]  # below[i, j] = sum of table[i+1:, j]
    below_left = np.cumsum(below, axis=1) - below
    concordant = int(np.sum(table * below_right))
    discordant = int(np.sum(table * below_left))
    n0 = n * (n - 1) // 2
    n1 = int(np.sum(np.bincount(ix) * (np.bincount(ix) - 1) // 2))
    n2 = int(np.sum(np.bincount(iy) * (np.bincount(iy) - 1) // 2))
    denominator = math.sqrt(float(n0 - n1) * float(n0 - n2))
    return None if denominator == 0.0 else (concordant - discordant) / denominator
