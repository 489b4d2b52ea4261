"""How many requests one endpoint may have in flight: slow start, then AIMD on rate-limit signals.

The controller holds numbers only (no asyncio): the limiter asks it for the current
limit and tells it about starts, ends, successes and rate-limit signals. A clock is
injected so the behaviour is testable without sleeping.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from evalkit.llm.config import STATIC_CONNECTIONS, AdaptiveConfig

SATURATION = 0.8  # a round only raises the limit if at least this share of it was in use


class ConcurrencyController:
    """The connection limit of one endpoint.

    Adaptive: starts at `start`; each round of `limit` clean first-attempt successes
    during which the limit was really used (peak in flight >= 80 %) doubles it until the
    first rate-limit signal (slow start), then adds `increase` x limit. A rate-limit
    signal multiplies it by `decrease`, at most once per cooldown (a burst of 429s from
    requests already in flight is one episode), and success rounds are not counted during
    the cooldown. Static (adaptive off): the limit never moves.
    """

    def __init__(
        self, config: AdaptiveConfig, cap: int | None, clock: Callable[[], float] = time.monotonic, workers: int = 1
    ) -> None:
        self.adaptive = config.enabled
        self._config = config
        self._clock = clock
        if not config.enabled:
            self.total_max = self.total_min = cap or STATIC_CONNECTIONS
        else:
            self.total_max = min(config.max, cap) if cap else config.max
            self.total_min = min(config.min, self.total_max)
        self.workers = 1
        self.max, self.min = self.total_max, self.total_min
        self.limit = self.max if not config.enabled else max(self.min, min(config.start, self.max))
        self.share(workers)
        self.phase = "slow_start" if self.adaptive else "static"
        self.in_flight = 0
        self.peak_in_flight = 0
        self.cuts = 0
        self.raises = 0
        self._round_successes = 0
        self._round_peak = 0
        self._cooldown_until = -math.inf

    def share(self, workers: int) -> None:
        """Keep 1/workers of the bounds (and of the limit): several processes draw on one endpoint.

        A split, not a copy, so n workers never hold more than the configured bounds between them;
        the split follows the number of workers currently drawing (when one finishes, the rest grow).
        """
        workers = max(1, workers)
        if workers == self.workers:
            return
        self.max = max(1, self.total_max // workers)  # rounded down: the shares never add up to more
        self.min = min(max(1, self.total_min // workers), self.max)
        scaled = math.ceil(self.limit * self.workers / workers) if self.adaptive else self.max
        self.limit = max(self.min, min(self.max, scaled))
        self.workers = workers

    def started(self) -> None:
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        self._round_peak = max(self._round_peak, self.in_flight)

    def ended(self) -> None:
        self.in_flight -= 1

    def succeeded(self) -> None:
        """A first-attempt success: evidence that the current limit is sustainable."""
        if not self.adaptive or self._clock() < self._cooldown_until:
            return
        self._round_successes += 1
        if self._round_successes < max(self.limit, 4):
            return
        saturated = self._round_peak >= SATURATION * self.limit
        self._round_successes = self._round_peak = 0
        if not saturated or self.limit >= self.max:
            return
        grown = (
            self.limit * 2
            if self.phase == "slow_start"
            else self.limit + max(1, round(self.limit * self._config.increase))
        )
        self.limit = min(self.max, grown)
        self.raises += 1

    def rate_limited(self, retry_after_s: float | None = None) -> bool:
        """A 429/529 or a Retry-After: cut once per episode; returns whether this call cut."""
        self._round_successes = self._round_peak = 0
        if not self.adaptive:
            return False
        now = self._clock()
        self.phase = "steady"
        cooldown = max(self._config.cooldown_s, retry_after_s or 0.0)
        if now < self._cooldown_until:
            self._cooldown_until = max(self._cooldown_until, now + (retry_after_s or 0.0))
            return False
        self._cooldown_until = now + cooldown
        cut = max(self.min, math.floor(self.limit * self._config.decrease))
        changed = cut != self.limit
        self.limit = cut
        self.cuts += 1
        return changed
