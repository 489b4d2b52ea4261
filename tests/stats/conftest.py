"""Shared helpers for the statistics tests: independent hand formulas."""

from __future__ import annotations

import math

import pytest


def hand_wilson(p_hat: float, n: float, z: float) -> tuple[float, float]:
    """Wilson score interval written out from Wilson (1927), independently of evalkit."""
    denom = 1 + z**2 / n
    centre = (p_hat + z**2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p_hat * (1 - p_hat) / n + z**2 / (4 * n**2))
    return centre - half, centre + half


@pytest.fixture
def wilson():
    return hand_wilson
