"""When the next request may start: static rpm/tpm caps and the budgets providers announce.

A provider's budget is a token bucket that refills continuously (OpenAI and Anthropic
both work this way). Each response's headers say how full it was when that request was
admitted; the pacer keeps a mirror of it between responses (minus what was started
since, plus the refill) and lets requests start so that the level glides down to a
small reserve and then follows the refill rate, instead of spending the bucket at once
and hitting the wall. Numbers only: the limiter does the waiting.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from evalkit.llm.ratelimit_headers import DIMENSIONS, Reading

SURPLUS_HORIZON = 0.5  # spend a full bucket's surplus over half the time it takes to refill one
RATE_SMOOTHING = 0.3  # weight of a new refill-rate estimate
MIN_DEFICIT = 0.1  # a nearly full bucket's reset is too short to time the refill by: wait for 10 % spent
SPACING_SLACK_S = 0.1  # a start may come this early on its spacing schedule, so a late wake-up is caught up


@dataclass(slots=True)
class Cost:
    """What one request is expected to take from each budget."""

    input_tokens: int = 0
    output_tokens: int = 0

    def of(self, dimension: str) -> float:
        if dimension == "requests":
            return 1.0
        if dimension == "input_tokens":
            return float(self.input_tokens)
        if dimension == "output_tokens":
            return float(self.output_tokens)
        return float(self.input_tokens + self.output_tokens)


class StaticBucket:
    """A configured rpm or tpm: refills at limit/60 per second, holds one second's worth."""

    def __init__(self, dimension: str, per_minute: float, now: float) -> None:
        self.dimension = dimension
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, self.rate)
        self.level, self.stamp = self.capacity, now

    def _refill(self, now: float) -> None:
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now

    def delay(self, cost: Cost, now: float) -> float:
        self._refill(now)
        need = min(cost.of(self.dimension), self.capacity)  # a request larger than the bucket waits for a full one
        return 0.0 if self.level >= need else (need - self.level) / self.rate

    def commit(self, cost: Cost, now: float) -> None:
        self._refill(now)
        self.level -= cost.of(self.dimension)


class LearnedBudget:
    """The mirror of one provider budget, reset from every response's headers."""

    def __init__(self, dimension: str, reserve: float) -> None:
        self.dimension = dimension
        self.reserve = reserve  # share of the limit kept unspent
        self.limit = 0.0
        self.rate: float | None = None  # refill per second, from (limit - remaining) / reset
        self.level = 0.0
        self.stamp = 0.0
        self.basis = -1.0  # start time of the request whose reading the level is based on
        self.reset_at: float | None = None
        self.next_start = -1e18  # the surplus-spreading schedule (a start is due every cost / pace seconds)

    def level_at(self, now: float) -> float:
        if self.rate is None:
            return self.level
        return min(self.limit, self.level + (now - self.stamp) * self.rate)

    def observe(
        self, reading: Reading, started: float | None, spent_then: float | None, spent_now: float, now: float
    ) -> None:
        """Take a reading made when the request that started at `started` was admitted.

        A relative reset (OpenAI) counts from that admission; an absolute one (Anthropic) is a
        moment, so the time since the admission is added back before estimating the refill rate.
        """
        self.limit = max(reading.limit or 0.0, reading.remaining, 1.0)
        if started is None or spent_then is None:
            started, spent_then = now, spent_now
        if reading.reset_s is not None:
            horizon = reading.reset_s + (now - started if reading.reset_absolute else 0.0)
            self.reset_at = started + horizon
            if horizon > 0 and self.limit - reading.remaining >= MIN_DEFICIT * self.limit:
                estimate = (self.limit - reading.remaining) / horizon
                self.rate = estimate if self.rate is None else self.rate + RATE_SMOOTHING * (estimate - self.rate)
        if started < self.basis:  # an older admission than the one the mirror already follows
            return
        # No refill is added for the time since the reading: when the server admitted the request (and made
        # the reading) is unknown, somewhere between `started` and now. Counting from `started` overestimates
        # whenever the server is slow to admit (a loaded machine: 429s); from now, it keeps rate x latency
        # more in the bucket than needed, which costs nothing while that stays below the limit.
        level = reading.remaining - (spent_now - spent_then)
        self.level, self.stamp, self.basis = min(self.limit, level), now, started

    def _need(self, c: float) -> float:
        return min(self.limit, self.reserve * self.limit + c)

    def delay(self, cost: Cost, now: float) -> float:
        c = cost.of(self.dimension)
        if c <= 0:
            return 0.0
        level = self.level_at(now)
        need = self._need(c)
        if not self.rate:
            if level >= need:
                return 0.0
            return max(0.05, (self.reset_at or now) - now)  # unknown refill: wait for the announced reset
        deficit = (need - level) / self.rate if level < need else 0.0
        return max(deficit, self.next_start - SPACING_SLACK_S - now)

    def commit(self, cost: Cost, now: float) -> None:
        c = cost.of(self.dimension)
        level = self.level_at(now)
        if self.rate:
            surplus = max(0.0, level - self._need(c))
            pace = self.rate + surplus / (SURPLUS_HORIZON * self.limit / self.rate)
            self.next_start = max(self.next_start, now - SPACING_SLACK_S) + c / pace
        self.level, self.stamp = level - c, now


Mark = dict[str, float]  # dimension -> this client's cumulative spend right after a request started


class Pacer:
    """All start-time limits of one endpoint: holds (Retry-After), static caps and learned budgets."""

    def __init__(
        self, rpm: int | None, tpm: int | None, learn: bool, reserve: float, now: float, share: float = 1.0
    ) -> None:
        # `share` < 1: this pacer spends only that part of every budget (one of several processes that
        # cannot coordinate, e.g. an xdist worker whose shared budget service stopped answering).
        self.share = share
        self.static = [StaticBucket(d, n * share, now) for d, n in (("requests", rpm), ("tokens", tpm)) if n]
        self.learned: dict[str, LearnedBudget] = {}
        self.learn = learn
        self.reserve = reserve
        self.hold_until = 0.0
        # Everything started, from the very first request: the first readings come from requests that
        # started before any budget was known, and must be brought up to date too.
        self.spent = dict.fromkeys(DIMENSIONS, 0.0)
        self._lock = threading.Lock()  # a hub may be driven from several threads' loops

    def active(self, now: float) -> bool:
        return bool(self.static or self.learned) or self.hold_until > now

    def delay(self, cost: Cost, now: float) -> float:
        with self._lock:
            waits = [self.hold_until - now]
            waits.extend(b.delay(cost, now) for b in self.static)
            waits.extend(b.delay(cost, now) for b in self.learned.values())
            return max(0.0, *waits)

    def commit(self, cost: Cost, now: float) -> Mark:
        """A request starts now: take its cost off every budget; returns the running totals for its reading."""
        with self._lock:
            for bucket in self.static:
                bucket.commit(cost, now)
            for budget in self.learned.values():
                budget.commit(cost, now)
            for dimension in DIMENSIONS:
                self.spent[dimension] += cost.of(dimension)
            return dict(self.spent)

    def observe(self, readings: list[Reading], started: float | None, mark: Mark | None, now: float) -> None:
        if not self.learn:
            return
        with self._lock:
            for reading in readings:
                if self.share != 1.0:
                    reading = _scaled(reading, self.share)
                budget = self.learned.get(reading.dimension)
                if budget is None:
                    budget = self.learned[reading.dimension] = LearnedBudget(reading.dimension, self.reserve)
                budget.observe(
                    reading, started, (mark or {}).get(reading.dimension), self.spent[reading.dimension], now
                )

    def hold(self, seconds: float, now: float) -> None:
        """Start nothing on this endpoint for `seconds` (the server asked for it)."""
        with self._lock:
            self.hold_until = max(self.hold_until, now + seconds)

    def remaining(self, now: float) -> dict[str, float]:
        with self._lock:
            return {d: round(max(0.0, b.level_at(now)), 1) for d, b in self.learned.items()}


def _scaled(reading: Reading, share: float) -> Reading:
    """A budget reading as seen by a process entitled to `share` of it."""
    limit = None if reading.limit is None else reading.limit * share
    return Reading(reading.dimension, limit, reading.remaining * share, reading.reset_s, reading.reset_absolute)
