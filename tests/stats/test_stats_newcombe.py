import math

import pytest
from scipy import stats as sps

from evalkit.stats import newcombe_diff


def test_newcombe_matches_the_published_example() -> None:
    """Newcombe (1998), Table II, method 10: 56/70 - 48/80 = 0.2, 95% CI [0.0524, 0.3339]."""
    d = newcombe_diff(48, 80, 56, 70)  # reference 48/80, candidate 56/70
    assert d.mean_diff == pytest.approx(0.2)
    assert d.low == pytest.approx(0.0524, abs=5e-5) and d.high == pytest.approx(0.3339, abs=5e-5)


@pytest.mark.parametrize(("r", "rn", "c", "cn"), [(0, 3, 3, 3), (5, 5, 5, 5), (2, 7, 5, 9)])
def test_newcombe_from_scipy_wilson_bounds(r: int, rn: int, c: int, cn: int) -> None:
    wr = sps.binomtest(r, rn).proportion_ci(0.95, method="wilson")
    wc = sps.binomtest(c, cn).proportion_ci(0.95, method="wilson")
    pr, pc = r / rn, c / cn
    low = pc - pr - math.hypot(pc - wc.low, wr.high - pr)
    high = pc - pr + math.hypot(wc.high - pc, pr - wr.low)
    d = newcombe_diff(r, rn, c, cn)
    assert d.low == pytest.approx(max(-1.0, low), abs=1e-9) and d.high == pytest.approx(min(1.0, high), abs=1e-9)
    assert d.low < d.high  # never collapses, even for 5/5 vs 5/5


def test_newcombe_without_trials_is_unbounded() -> None:
    d = newcombe_diff(0, 0, 3, 3)
    assert d.mean_diff is None and d.low is None and d.high is None
