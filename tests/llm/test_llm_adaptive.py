"""The adaptive concurrency controller: slow start, AIMD on rate-limit signals, bounds, config validation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from evalkit.llm import HubConfig
from evalkit.llm.adaptive import ConcurrencyController
from evalkit.llm.config import STATIC_CONNECTIONS, AdaptiveConfig


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def busy_round(c: ConcurrencyController, in_use: int | None = None) -> None:
    """One round of clean successes with `in_use` requests in flight (default: the whole limit)."""
    in_use = c.limit if in_use is None else in_use
    for _ in range(in_use):
        c.started()
    for _ in range(max(c.limit, 4)):
        c.succeeded()
    for _ in range(in_use):
        c.ended()


def test_slow_start_doubles_only_while_the_limit_is_used():
    c = ConcurrencyController(AdaptiveConfig(start=4, max=64), None, Clock())
    busy_round(c, in_use=2)  # half the limit in use: no evidence that more would be served
    assert c.limit == 4
    busy_round(c)
    busy_round(c)
    assert c.limit == 16 and c.phase == "slow_start"
    for _ in range(5):
        busy_round(c)
    assert c.limit == 64  # never beyond max


def test_rate_limit_cuts_once_per_episode_then_grows_additively():
    clock = Clock()
    c = ConcurrencyController(AdaptiveConfig(start=40, decrease=0.5, cooldown_s=5, increase=0.1), None, clock)
    assert c.rate_limited() and c.limit == 20
    c.rate_limited()
    c.rate_limited()  # the same burst of 429s from requests already in flight
    assert c.limit == 20 and c.cuts == 1
    busy_round(c)  # successes inside the cooldown say nothing about the new limit
    assert c.limit == 20
    clock.now = 6
    busy_round(c)
    assert c.limit == 22 and c.phase == "steady"  # +10 %, not doubled: slow start is over
    busy_round(c)
    assert c.limit == 24
    clock.now = 20
    assert c.rate_limited() and c.limit == 12 and c.cuts == 2


def test_retry_after_extends_the_cooldown():
    clock = Clock()
    c = ConcurrencyController(AdaptiveConfig(start=40, decrease=0.5, cooldown_s=1), None, clock)
    c.rate_limited(retry_after_s=30)
    clock.now = 10
    c.rate_limited()
    assert c.cuts == 1 and c.limit == 20  # still inside the 30 s the server asked for
    clock.now = 31
    c.rate_limited()
    assert c.cuts == 2 and c.limit == 10


def test_cuts_stop_at_min():
    clock = Clock()
    c = ConcurrencyController(AdaptiveConfig(min=3, start=16, cooldown_s=0), None, clock)
    for step in range(20):
        clock.now = step
        c.rate_limited()
    assert c.limit == 3


def test_static_cap_bounds_adaptive_and_static_mode_never_moves():
    capped = ConcurrencyController(AdaptiveConfig(start=16, max=256), 8, Clock())
    assert capped.limit == 8 and capped.max == 8
    busy_round(capped)
    assert capped.limit == 8
    off = ConcurrencyController(AdaptiveConfig(enabled=False), None, Clock())
    assert off.limit == STATIC_CONNECTIONS and not off.rate_limited()
    busy_round(off)
    assert off.limit == STATIC_CONNECTIONS and off.phase == "static"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"min": 10, "start": 5}, "min <= start <= max"),
        ({"start": 300, "max": 100}, "min <= start <= max"),
        ({"min": 0}, "greater than or equal to 1"),
        ({"decrease": 1.0}, "less than 1"),
        ({"reserve": -0.1}, "greater than or equal to 0"),
        ({"bogus": 1}, "Extra inputs"),
    ],
)
def test_adaptive_config_is_validated(values, message):
    with pytest.raises(ValidationError, match=message):
        HubConfig(adaptive=values)


def test_defaults_are_adaptive_without_a_fixed_cap():
    config = HubConfig()
    assert config.max_connections is None and config.adaptive.enabled
    assert (config.adaptive.min, config.adaptive.start, config.adaptive.max) == (2, 16, 256)
