"""Rate-limit headers of both providers, and how the pacer turns them into start times (no sleeping)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from evalkit.llm.pacing import Cost, Pacer
from evalkit.llm.ratelimit_headers import Reading, read_rate_limits


def test_openai_headers():
    readings = read_rate_limits(
        {
            "x-ratelimit-limit-requests": "500",
            "x-ratelimit-remaining-requests": "499",
            "x-ratelimit-reset-requests": "120ms",
            "x-ratelimit-limit-tokens": "30000",
            "x-ratelimit-remaining-tokens": "29000",
            "x-ratelimit-reset-tokens": "6m0.5s",
        }
    )
    assert readings == [Reading("requests", 500, 499, 0.12), Reading("tokens", 30000, 29000, 360.5)]


def test_anthropic_headers_reset_is_a_moment():
    soon = (datetime.now(UTC) + timedelta(seconds=30)).isoformat().replace("+00:00", "Z")
    readings = read_rate_limits(
        {
            "anthropic-ratelimit-requests-limit": "50",
            "anthropic-ratelimit-requests-remaining": "10",
            "anthropic-ratelimit-requests-reset": soon,
            "anthropic-ratelimit-input-tokens-limit": "40000",
            "anthropic-ratelimit-input-tokens-remaining": "100",
            "anthropic-ratelimit-input-tokens-reset": soon,
        }
    )
    assert [r.dimension for r in readings] == ["requests", "input_tokens"]
    assert all(r.reset_absolute and 28 < r.reset_s <= 30 for r in readings)
    assert readings[1].remaining == 100


@pytest.mark.parametrize("headers", [None, {}, {"x-request-id": "1"}, {"x-ratelimit-remaining-requests": "n/a"}])
def test_no_or_unreadable_headers_give_no_budget(headers):
    assert read_rate_limits(headers) == []


def test_unreadable_reset_is_kept_as_unknown():
    (reading,) = read_rate_limits({"x-ratelimit-remaining-requests": "3", "x-ratelimit-reset-requests": "soon"})
    assert reading.remaining == 3 and reading.reset_s is None and reading.limit is None


def pacer_with(remaining: float, limit: float = 100, reset_s: float | None = None, now: float = 0.0) -> Pacer:
    """A pacer that has read one `requests` budget; by default the bucket refills at 10 per second."""
    pacer = Pacer(None, None, learn=True, reserve=0.05, now=now)
    reset = (limit - remaining) / 10 if reset_s is None else reset_s
    pacer.observe([Reading("requests", limit, remaining, reset)], None, None, now)
    return pacer


def test_an_empty_budget_waits_for_the_refill_down_to_the_reserve():
    pacer = pacer_with(remaining=0)
    assert pacer.delay(Cost(), 0.0) == pytest.approx((5 + 1) / 10)  # reserve 5 % of 100, plus this request


def test_a_full_budget_is_spread_not_spent_at_once():
    pacer = pacer_with(remaining=100, reset_s=0.0)
    pacer.observe([Reading("requests", 100, 90, 1.0)], None, None, 0.0)  # learns the refill rate: 10/s
    starts, now = 0, 0.0
    while now < 1.0:
        now += max(pacer.delay(Cost(), now), 0.001)
        pacer.commit(Cost(), now)
        starts += 1
    assert 10 < starts < 85  # faster than the refill, slower than the 85 a burst to the reserve would send


def test_what_was_started_since_a_reading_is_subtracted():
    pacer = pacer_with(remaining=50)
    mark = pacer.commit(Cost(), 0.0)  # our request, admitted with 50 left ...
    for _ in range(40):
        pacer.commit(Cost(), 0.0)  # ... then 40 more started before its answer came back
    pacer.observe([Reading("requests", 100, 50, 5.0)], started=0.0, mark=mark, now=0.0)
    assert pacer.remaining(0.0)["requests"] == pytest.approx(10)
    assert pacer.remaining(1.0)["requests"] == pytest.approx(20)  # plus a second of refill
    pacer.commit(Cost(), 1.0)
    pacer.observe([Reading("requests", 100, 80, 2.0)], started=-0.5, mark=mark, now=1.0)  # an older admission
    assert pacer.remaining(1.0)["requests"] == pytest.approx(19)  # ignored: the mirror follows the newest one
    later = pacer.commit(Cost(), 1.0)
    pacer.observe([Reading("requests", 100, 30, 7.0)], started=1.0, mark=later, now=1.5)  # answered 0.5 s later
    assert pacer.remaining(1.5)["requests"] == pytest.approx(30)  # refill since then not assumed


def test_token_budget_paces_by_estimated_tokens():
    pacer = Pacer(None, None, learn=True, reserve=0.0, now=0.0)
    pacer.observe([Reading("tokens", 1000, 1000, 0.0)], None, None, 0.0)
    pacer.observe([Reading("tokens", 1000, 900, 0.1)], None, None, 0.0)  # refills 1000 tokens/s
    big = Cost(input_tokens=800, output_tokens=50)
    assert pacer.delay(big, 0.0) == 0
    pacer.commit(big, 0.0)
    assert pacer.delay(big, 0.0) == pytest.approx((850 - 50) / 1000)


def test_hold_and_static_caps():
    pacer = Pacer(rpm=60, tpm=None, learn=False, reserve=0.05, now=0.0)
    pacer.commit(Cost(), 0.0)
    assert pacer.delay(Cost(), 0.0) == pytest.approx(1.0)  # 1 per second, burst of one
    pacer.hold(3.0, 0.0)
    assert pacer.delay(Cost(), 0.0) == pytest.approx(3.0)
    pacer.observe([Reading("requests", 100, 0, 10.0)], None, None, 0.0)
    assert pacer.learned == {}  # adaptive off: headers are not followed


def test_real_clock_reading_in_the_past_is_not_negative():
    assert (
        read_rate_limits(
            {
                "anthropic-ratelimit-requests-remaining": "1",
                "anthropic-ratelimit-requests-reset": "2000-01-01T00:00:00Z",
            }
        )[0].reset_s
        == 0.0
    )
