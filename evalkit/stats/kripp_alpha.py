"""Krippendorff's alpha: agreement among any number of raters, with missing ratings.

Use it where Cohen's kappa cannot go: more than two labellers, labellers who
each rated a different subset of transcripts, or ordinal / interval scales.
alpha = 1 - D_o / D_e over the coincidence matrix (Krippendorff 2011,
"Computing Krippendorff's alpha-reliability"); docs/judge_trust.md has the
formulas. Only units (items) with at least two ratings count.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np

Level = Literal["nominal", "ordinal", "interval", "ratio"]


def _matrix(ratings: Sequence[Sequence[float | None]] | np.ndarray) -> np.ndarray:
    rows = [[math.nan if v is None else v for v in row] for row in ratings]
    data = np.array(rows, dtype=float)
    if data.ndim != 2:
        raise ValueError("ratings must be one row per rater, one column per item")
    return data


def coincidences(ratings: Sequence[Sequence[float | None]] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The coincidence matrix o[c, k] and its value axis, from raters x items (None / NaN missing).

    o[c, k] = sum over items u with m_u >= 2 ratings of (pairs of c and k in u) / (m_u - 1).
    """
    data = _matrix(ratings)
    seen = data[~np.isnan(data)]
    values = np.unique(seen)
    if len(values) == 0:
        return np.zeros((0, 0)), values
    counts = np.stack([(data == v).sum(axis=0) for v in values], axis=1).astype(float)  # items x values
    m = counts.sum(axis=1)
    pairable = m >= 2
    counts, w = counts[pairable], 1.0 / (m[pairable] - 1.0)
    o = counts.T @ (counts * w[:, None]) - np.diag((counts * w[:, None]).sum(axis=0))
    return o, values


def distances(values: np.ndarray, n_c: np.ndarray, level: Level) -> np.ndarray:
    """delta^2[c, k] for the level of measurement (ordinal uses the value counts n_c)."""
    c, k = np.meshgrid(values, values, indexing="ij")
    if level == "nominal":
        return (c != k).astype(float)
    if level == "interval":
        return (c - k) ** 2
    if level == "ratio":
        total = c + k
        return np.where(total == 0, 0.0, (c - k) / np.where(total == 0, 1.0, total)) ** 2
    if level == "ordinal":
        cum = np.cumsum(n_c)
        i, j = np.meshgrid(np.arange(len(values)), np.arange(len(values)), indexing="ij")
        lo, hi = np.minimum(i, j), np.maximum(i, j)
        between = cum[hi] - cum[lo] + n_c[lo]  # n_lo + ... + n_hi
        return (between - (n_c[i] + n_c[j]) / 2.0) ** 2
    raise ValueError(f"level must be nominal, ordinal, interval or ratio, got {level!r}")


def krippendorff_alpha(
    ratings: Sequence[Sequence[float | None]] | np.ndarray, level: Level = "nominal"
) -> float | None:
    """alpha = 1 - (n - 1) sum(o delta) / sum(n_c n_k delta); None when it is undefined.

    Args:
        ratings: One row per rater, one column per item; None or NaN = not rated.
        level: "nominal" (pass/fail, categories), "ordinal" (ranks: a 1..5
            scale whose steps need not be equal), "interval" (equal steps),
            "ratio".

    Returns:
        None when fewer than two pairable ratings exist or only one value
        occurs (no disagreement is possible, so none can be expected).
    """
    o, values = coincidences(ratings)
    n_c = o.sum(axis=1)
    n = float(n_c.sum())
    if n < 2 or len(values) < 2:
        return None
    delta = distances(values, n_c, level)
    expected = float(np.sum(np.outer(n_c, n_c) * delta))
    if expected == 0.0:
        return None
    return 1.0 - (n - 1.0) * float(np.sum(o * delta)) / expected
