"""Summing costs where a price may be unknown (None)."""

from __future__ import annotations

from collections.abc import Iterable


def sum_costs(values: Iterable[float | None]) -> float | None:
    """Sum of known costs; None when any one is unknown, so an unknown price never reads as free."""
    total = 0.0
    for value in values:
        if value is None:
            return None
        total += value
    return total
