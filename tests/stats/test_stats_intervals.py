import pytest
from scipy import stats as sps

from evalkit.stats import Interval, MeanEstimate, gate_decision, wilson_interval

Z95 = 1.959963984540054


@pytest.mark.parametrize(
    "successes,n", [(0, 1), (1, 1), (0, 10), (3, 10), (10, 10), (7, 13), (1, 200), (150, 200), (49, 50)]
)
@pytest.mark.parametrize("confidence", [0.8, 0.95, 0.99])
def test_wilson_matches_scipy(successes, n, confidence):
    ci = sps.binomtest(successes, n).proportion_ci(confidence_level=confidence, method="wilson")
    got = wilson_interval(successes, n, confidence)
    assert got.low == pytest.approx(ci.low, abs=1e-12)
    assert got.high == pytest.approx(ci.high, abs=1e-12)
    assert got.estimate == successes / n
    assert got.n == n and got.confidence == confidence


def test_wilson_matches_hand_formula_and_published_values(wilson):
    got = wilson_interval(3, 10)
    low, high = wilson(0.3, 10, Z95)
    assert (got.low, got.high) == pytest.approx((low, high), abs=1e-12)
    assert (got.low, got.high) == pytest.approx((0.1078, 0.6032), abs=1e-4)
    # 0/10: the "rule of three"-like upper bound, never the degenerate [0, 0]
    zero = wilson_interval(0, 10)
    assert zero.low == 0.0 and zero.high == pytest.approx(0.2775, abs=1e-4)
    full = wilson_interval(10, 10)
    assert full.high == 1.0 and full.low == pytest.approx(1 - 0.2775, abs=1e-4)


def test_wilson_no_data_is_uninformative():
    got = wilson_interval(0, 0)
    assert (got.low, got.high, got.estimate, got.n) == (0.0, 1.0, None, 0)
    assert gate_decision(got, 0.5) == "inconclusive"


@pytest.mark.parametrize("successes,n", [(-1, 3), (4, 3), (0, -1)])
def test_wilson_rejects_bad_counts(successes, n):
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(successes, n)


def test_wilson_properties():
    for n in (1, 2, 5, 17, 100):
        for s in range(n + 1):
            narrow, wide = wilson_interval(s, n, 0.8), wilson_interval(s, n, 0.99)
            assert 0.0 <= wide.low <= narrow.low <= s / n <= narrow.high <= wide.high <= 1.0
            assert narrow.contains(s / n)
            assert wide.width > narrow.width
    # more trials at the same rate -> narrower
    assert wilson_interval(40, 100).width < wilson_interval(4, 10).width


@pytest.mark.parametrize(
    "low,high,threshold,expected",
    [
        (0.8, 0.9, 0.8, "pass"),  # lower bound exactly at threshold passes
        (0.81, 0.95, 0.8, "pass"),
        (0.5, 0.79, 0.8, "fail"),
        (0.5, 0.8, 0.8, "inconclusive"),  # upper bound touching threshold is not a fail
        (0.7, 0.9, 0.8, "inconclusive"),
    ],
)
def test_gate_decision(low, high, threshold, expected):
    interval = Interval(low=low, high=high, estimate=(low + high) / 2, confidence=0.95, n=10)
    assert gate_decision(interval, threshold) == expected


def test_gate_decision_accepts_mean_estimates_and_missing_bounds():
    est = MeanEstimate(
        mean=0.9, se=0.01, low=0.88, high=0.92, confidence=0.95, n_clusters=5, n_obs=20, method="cluster_t"
    )
    assert gate_decision(est, 0.85) == "pass"
    assert gate_decision(est, 0.95) == "fail"
    unknown = est.model_copy(update={"low": None, "high": None, "se": None})
    assert gate_decision(unknown, 0.0) == "inconclusive"
