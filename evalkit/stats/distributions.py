"""Normal and Student t quantiles without scipy.

evalkit must not depend on scipy at run time, yet intervals need critical
values. Acklam's rational approximation (refined by one Halley step) gives the
normal quantile to double precision; the t distribution goes through the
regularized incomplete beta function and is inverted by bisection.
"""

from __future__ import annotations

import math

_A = (
    -3.969683028665376e01,
    2.209460984245205e02,
    -2.759285104469687e02,
    1.383577518672690e02,
    -3.066479806614716e01,
    2.506628277459239e00,
)
_B = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02, 6.680131188771972e01, -1.328068155288572e01)
_C = (
    -7.784894002430293e-03,
    -3.223964580411365e-01,
    -2.400758277161838e00,
    -2.549732539343734e00,
    4.374664141464968e00,
    2.938163982698783e00,
)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)
_P_LOW = 0.02425


def check_confidence(confidence: float) -> None:
    """Raise ValueError unless 0 < confidence < 1 (shared argument check)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1 (exclusive), got {confidence!r}")


def _check_probability(p: float) -> None:
    if not 0.0 < p < 1.0:
        raise ValueError(f"probability must be between 0 and 1 (exclusive), got {p!r}")


def normal_cdf(x: float) -> float:
    """Standard normal cumulative distribution function."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def normal_quantile(p: float) -> float:
    """Inverse of the standard normal CDF (Acklam's algorithm + one Halley step).

    Use it for z critical values, e.g. ``normal_quantile(0.975)`` ~= 1.95996.

    Args:
        p: A probability strictly between 0 and 1.

    Returns:
        The x with ``P(Z <= x) == p``, accurate to about 1e-15 relative.

    Raises:
        ValueError: If p is not strictly between 0 and 1.
    """
    _check_probability(p)
    if p > 0.5:  # 1 - p is exact here; refining in the lower tail keeps full precision
        return -normal_quantile(1.0 - p)
    if p < _P_LOW:
        x = _tail(math.sqrt(-2.0 * math.log(p)))
    else:
        q = p - 0.5
        r = q * q
        num = ((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5]
        den = ((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1.0
        x = num * q / den
    # One Halley step against the exact CDF brings the error to machine precision.
    err = normal_cdf(x) - p
    u = err * math.sqrt(2.0 * math.pi) * math.exp(x * x / 2.0)
    return x - u / (1.0 + x * u / 2.0)


def _tail(q: float) -> float:
    num = ((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]
    den = (((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1.0
    return num / den


def two_sided_z(confidence: float) -> float:
    """The z with ``P(|Z| <= z) == confidence`` (1.96 for 0.95)."""
    check_confidence(confidence)
    return normal_quantile(0.5 + confidence / 2.0)


def regularized_incomplete_beta(x: float, a: float, b: float) -> float:
    """I_x(a, b) by Lentz's continued fraction (Numerical Recipes 6.4)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_cf(x, a, b) / a
    return 1.0 - math.exp(log_front) * _beta_cf(1.0 - x, b, a) / b


def _beta_cf(x: float, a: float, b: float, max_iter: int = 500, eps: float = 1e-16) -> float:
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, max_iter + 1):
        for num in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + num * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + num / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < eps:
            break
    return h


def student_t_cdf(t: float, df: float) -> float:
    """Student t cumulative distribution function for ``df > 0`` degrees of freedom."""
    if df <= 0:
        raise ValueError(f"degrees of freedom must be positive, got {df!r}")
    tail = 0.5 * regularized_incomplete_beta(df / (df + t * t), df / 2.0, 0.5)
    return 1.0 - tail if t > 0 else tail


def student_t_quantile(p: float, df: float) -> float:
    """Inverse of the Student t CDF: the small-sample replacement for ``normal_quantile``.

    Use it for critical values when a standard error is estimated from few
    clusters (df = clusters - 1). Closed forms for df 1 and 2, a Cornish-Fisher
    expansion above 1e5; otherwise the CDF is inverted by bisection.

    Args:
        p: A probability strictly between 0 and 1.
        df: Degrees of freedom, > 0 (need not be an integer).

    Raises:
        ValueError: If p is outside (0, 1) or df <= 0.
    """
    _check_probability(p)
    if df <= 0:
        raise ValueError(f"degrees of freedom must be positive, got {df!r}")
    if p == 0.5:
        return 0.0
    if df == 1:  # Cauchy; cot form keeps precision in the far tails
        return 1.0 / math.tan(math.pi * (1.0 - p)) if p > 0.5 else -1.0 / math.tan(math.pi * p)
    if df == 2:
        return (2.0 * p - 1.0) / math.sqrt(2.0 * p * (1.0 - p))
    if df > 1e5:  # lgamma cancellation hurts here; Cornish-Fisher is exact to ~1e-15
        return _cornish_fisher(normal_quantile(p), df)
    upper = p > 0.5
    tail = 1.0 - p if upper else p  # solve P(T <= -x) == tail for x > 0
    lo, hi = 0.0, max(1.0, abs(normal_quantile(tail)))
    while student_t_cdf(-hi, df) > tail:
        lo, hi = hi, hi * 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if student_t_cdf(-mid, df) > tail:
            lo = mid
        else:
            hi = mid
    x = 0.5 * (lo + hi)
    return x if upper else -x


def _cornish_fisher(z: float, df: float) -> float:
    z2 = z * z
    return z * (
        1.0
        + (z2 + 1.0) / (4.0 * df)
        + (5.0 * z2 * z2 + 16.0 * z2 + 3.0) / (96.0 * df**2)
        + (3.0 * z2**3 + 19.0 * z2 * z2 + 17.0 * z2 - 15.0) / (384.0 * df**3)
    )


def two_sided_t(confidence: float, df: float) -> float:
    """The t with ``P(|T| <= t) == confidence`` for ``df`` degrees of freedom."""
    check_confidence(confidence)
    return student_t_quantile(0.5 + confidence / 2.0, df)
