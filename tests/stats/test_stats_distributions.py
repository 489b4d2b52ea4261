import math

import pytest
from scipy import stats as sps

from evalkit.stats import (
    normal_cdf,
    normal_quantile,
    student_t_cdf,
    student_t_quantile,
    two_sided_t,
    two_sided_z,
)

PROBS = [
    1e-300,
    1e-50,
    1e-12,
    1e-6,
    1e-3,
    0.01,
    0.02425,
    0.025,
    0.1,
    0.3,
    0.5,
    0.7,
    0.9,
    0.975,
    0.995,
    0.999999,
    1 - 1e-12,
]


@pytest.mark.parametrize("p", PROBS)
def test_normal_quantile_matches_scipy(p):
    expected = sps.norm.ppf(p)
    assert normal_quantile(p) == pytest.approx(expected, rel=1e-13, abs=1e-14)


def test_normal_quantile_known_values_and_round_trip():
    assert normal_quantile(0.975) == pytest.approx(1.959963984540054, abs=1e-14)
    assert normal_quantile(0.5) == 0.0
    for p in (0.001, 0.2, 0.6, 0.99):
        assert normal_cdf(normal_quantile(p)) == pytest.approx(p, rel=1e-13)


@pytest.mark.parametrize("p", [0.0, 1.0, -0.1, 1.5])
def test_normal_quantile_rejects_non_probabilities(p):
    with pytest.raises(ValueError, match="probability"):
        normal_quantile(p)


@pytest.mark.parametrize("df", [1, 2, 3, 4, 5, 7.5, 9, 29, 30, 100, 1000, 2e5, 1e9])
@pytest.mark.parametrize("p", [1e-10, 1e-4, 0.025, 0.1, 0.4, 0.5, 0.6, 0.95, 0.975, 0.999])
def test_student_t_quantile_matches_scipy(p, df):
    expected = sps.t.ppf(p, df)
    assert student_t_quantile(p, df) == pytest.approx(expected, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("df", [1, 3, 10, 57.3])
@pytest.mark.parametrize("x", [-40.0, -2.5, -0.3, 0.0, 0.7, 3.1, 12.0])
def test_student_t_cdf_matches_scipy(x, df):
    assert student_t_cdf(x, df) == pytest.approx(sps.t.cdf(x, df), rel=1e-10, abs=1e-15)


def test_two_sided_critical_values():
    assert two_sided_z(0.95) == pytest.approx(1.959963984540054)
    assert two_sided_z(0.90) == pytest.approx(1.6448536269514722)
    assert two_sided_t(0.95, 4) == pytest.approx(2.7764451051977987)
    # t tends to z as df grows, always from above
    assert two_sided_t(0.95, 10) > two_sided_t(0.95, 100) > two_sided_t(0.95, 1e6) > two_sided_z(0.95)
    assert two_sided_t(0.95, 1e7) == pytest.approx(two_sided_z(0.95), rel=1e-6)


@pytest.mark.parametrize("confidence", [0.0, 1.0, 95])
def test_critical_values_reject_bad_confidence(confidence):
    with pytest.raises(ValueError, match="confidence"):
        two_sided_z(confidence)


def test_t_rejects_bad_df():
    with pytest.raises(ValueError, match="degrees of freedom"):
        student_t_quantile(0.9, 0)
    assert math.isfinite(student_t_quantile(0.9, 0.5))
    assert student_t_quantile(0.9, 0.5) == pytest.approx(sps.t.ppf(0.9, 0.5), rel=1e-9)
