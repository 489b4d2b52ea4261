"""Per-endpoint limits: when a request may start (pacing) and how many may be in flight (concurrency).

`EndpointLimiter.slot()` is held for one HTTP attempt. It waits for the pacer (Retry-After
holds, static rpm/tpm, the budgets the provider announces), then for a connection under
the adaptive controller's current limit. Every response's headers come back through
`observe_response` (an httpx response hook of the endpoint's client), which finds the
attempt it belongs to through a context variable set by `slot()`.

asyncio primitives belong to one event loop, and the run engine may drive the hub from
a worker thread's loop, so the waiting state is kept per running loop; the numbers
(controller, pacer, counters) are shared by all loops.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import time
import weakref
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from evalkit.llm.adaptive import ConcurrencyController
from evalkit.llm.budget import Budget, BudgetTerms, Grant, LocalBudget, Ticket
from evalkit.llm.config import AdaptiveConfig
from evalkit.llm.pacing import Cost
from evalkit.llm.ratelimit_headers import read_rate_limits

TOKENS_WINDOW_S = 60.0
_ATTEMPT: contextvars.ContextVar[Attempt | None] = contextvars.ContextVar("evalkit_attempt", default=None)


@dataclass(slots=True)
class Attempt:
    """One HTTP attempt under a slot: when it started and what the pacer had counted by then."""

    limiter: EndpointLimiter
    started: float
    ticket: Ticket | None


class _Gate:
    """A counting gate whose limit is read on every acquire, so it can move while requests wait."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    async def acquire(self, limit: int) -> None:
        if self.in_flight < limit and not self.waiters:
            self.in_flight += 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # granted just before the cancel landed
                self.release(limit)
            else:
                self.waiters.remove(waiter)
            raise

    def release(self, limit: int) -> None:
        self.in_flight -= 1
        self.wake(limit)

    def wake(self, limit: int) -> None:
        while self.waiters and self.in_flight < limit:
            waiter = self.waiters.popleft()
            if not waiter.done():
                self.in_flight += 1
                waiter.set_result(None)


class _LoopState:
    __slots__ = ("gate", "pace_lock")

    def __init__(self) -> None:
        self.gate = _Gate()
        self.pace_lock = asyncio.Lock()  # paced requests leave in arrival order


class EndpointLimiter:
    """Limits for one (provider, base_url), plus the live figures the progress view and run.json show."""

    def __init__(
        self,
        max_connections: int | None = None,
        rpm: int | None = None,
        tpm: int | None = None,
        adaptive: AdaptiveConfig | None = None,
        budget: Budget | None = None,
        workers: int = 1,
    ) -> None:
        config = adaptive or AdaptiveConfig()
        self.settings = {"max_connections": max_connections, "rpm": rpm, "tpm": tpm, **config.model_dump()}
        self.controller = ConcurrencyController(config, max_connections, workers=workers)
        self.budget: Budget = budget or LocalBudget(terms_for(rpm, tpm, config))
        self._signals_seen = 0
        self.requests = 0
        self.rate_limited = 0  # 429 responses
        self.overloaded = 0  # 529 / 503 responses
        self.paced_s = 0.0  # total time requests waited for the pacer
        self.output_tokens_avg = 32.0  # mean output tokens (then a moving average), for a request's estimated cost
        self._answers = 0
        self._tokens: collections.deque[tuple[float, int]] = collections.deque()
        self._tokens_sum = 0  # of the deque, so a snapshot (taken on every progress update) does not add it up
        self._states: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState] = weakref.WeakKeyDictionary()

    @property
    def max_connections(self) -> int:
        """The most connections this endpoint may ever use (sizes the HTTP pool)."""
        return self.controller.total_max

    def _state(self) -> _LoopState:
        loop = asyncio.get_running_loop()
        state = self._states.get(loop)
        if state is None:
            state = self._states[loop] = _LoopState()
        return state

    def cost(self, input_tokens: int) -> Cost:
        return Cost(input_tokens, round(self.output_tokens_avg))

    @asynccontextmanager
    async def slot(self, cost: Cost | None = None) -> AsyncIterator[Attempt]:
        """Hold one connection for a single HTTP attempt, after the pacer lets it start."""
        state = self._state()
        controller = self.controller
        await state.gate.acquire(controller.limit)
        try:
            # Paced after the gate, so requests queued at the gate while nothing was known yet are paced too;
            # the controller counts only what is sent, so a paced wait never looks like a busy endpoint.
            cost = cost or Cost()
            ticket = await self._paced(state, cost) if self.budget.paced() else self._granted(self.budget.take(cost))
            controller.started()
        except BaseException:
            state.gate.release(controller.limit)
            raise
        self.requests += 1
        attempt = Attempt(self, time.monotonic(), ticket)
        token = _ATTEMPT.set(attempt)
        try:
            yield attempt
        finally:
            _ATTEMPT.reset(token)
            controller.ended()
            state.gate.release(controller.limit)

    async def _paced(self, state: _LoopState, cost: Cost) -> Ticket | None:
        async with state.pace_lock:
            waited = 0.0
            while (grant := self.budget.take(cost)).ticket is None and grant.wait_s > 0:
                self._follow(grant)
                await asyncio.sleep(grant.wait_s)
                waited += grant.wait_s
            self.paced_s += waited
            return self._granted(grant)

    def _granted(self, grant: Grant) -> Ticket | None:
        self._follow(grant)
        return grant.ticket

    def _follow(self, grant: Grant) -> None:
        """What the other workers did: a rate-limit signal cuts this one too; the concurrency split follows them."""
        if grant.signals > self._signals_seen:
            self._signals_seen = grant.signals
            self.controller.rate_limited(None)
        self.controller.share(grant.workers)

    def observe_response(self, status: int, headers: Mapping[str, str]) -> None:
        """Every response of this endpoint (the HTTP client's hook): budgets and rate-limit counts."""
        if status == 429:
            self.rate_limited += 1
        elif status in (503, 529):
            self.overloaded += 1
        readings = read_rate_limits(headers)
        if readings:
            attempt = _ATTEMPT.get()
            mine = attempt is not None and attempt.limiter is self
            self.budget.observe(readings, attempt.ticket if attempt is not None and mine else None)

    def succeeded(self, first_attempt: bool) -> None:
        if first_attempt:
            self.controller.succeeded()

    def rate_limit_signal(self, retry_after_s: float | None) -> None:
        """A 429/529 or a Retry-After: cut concurrency, and hold every start for the requested wait."""
        self.controller.rate_limited(retry_after_s)
        self._signals_seen = max(self._signals_seen, self.budget.signal(retry_after_s))  # not cut twice for it

    def record_usage(self, input_tokens: int, output_tokens: int) -> None:
        now = time.monotonic()
        self._tokens.append((now, input_tokens + output_tokens))
        self._tokens_sum += input_tokens + output_tokens
        self._answers += 1
        self.output_tokens_avg += max(0.1, 1 / self._answers) * (output_tokens - self.output_tokens_avg)
        self._prune(now)

    def _prune(self, now: float) -> None:
        while self._tokens and self._tokens[0][0] < now - TOKENS_WINDOW_S:
            self._tokens_sum -= self._tokens.popleft()[1]

    def tokens_per_min(self) -> int:
        """Tokens used by answers received in the last 60 seconds."""
        now = time.monotonic()
        self._prune(now)
        return self._tokens_sum

    def snapshot(self) -> dict[str, Any]:
        """Live figures: current concurrency, 429s, tokens/min, what the provider says is left."""
        c = self.controller
        return {
            "mode": "adaptive" if c.adaptive else "static",
            "concurrency": c.limit,
            "in_flight": c.in_flight,
            "peak_in_flight": c.peak_in_flight,
            "requests": self.requests,
            "rate_limited": self.rate_limited,
            "overloaded": self.overloaded,
            "tokens_per_min": self.tokens_per_min(),
            "cuts": c.cuts,
            "raises": c.raises,
            "paced_s": round(self.paced_s, 2),
            "remaining": self.budget.remaining(),
            "shared": self.budget.shared,
            **self._run_figures(),
            "workers": c.workers,
            "limits": self.effective_limits(),
        }

    def _run_figures(self) -> dict[str, Any]:
        """A shared budget's counts over every worker: starts granted and rate-limit signals (429/529/Retry-After)."""
        figures = getattr(self.budget, "run_figures", None)
        if not figures:
            return {}
        degraded = bool(getattr(self.budget, "degraded", False))
        return {
            "all_workers": {
                "starts": figures.get("granted"),
                "rate_limit_signals": figures.get("signals"),
                "workers_seen": figures.get("workers"),
                "fell_back": degraded,
            }
        }

    def effective_limits(self) -> dict[str, Any]:
        """What this endpoint was configured with, and this process's share of the connection bounds."""
        c = self.controller
        return {
            **{k: v for k, v in self.settings.items() if v is not None},
            "connections_min": c.min,
            "connections_max": c.max,
        }


def terms_for(rpm: int | None, tpm: int | None, config: AdaptiveConfig) -> BudgetTerms:
    return BudgetTerms(rpm, tpm, learn=config.enabled and config.pace, reserve=config.reserve)


def response_hook(observe: Any) -> Any:
    """An httpx response event hook feeding `observe(status, headers)` before the SDK parses the response."""

    async def hook(response: Any) -> None:
        observe(response.status_code, response.headers)

    return hook


SUMMED = (
    "concurrency",
    "in_flight",
    "peak_in_flight",
    "requests",
    "rate_limited",
    "overloaded",
    "tokens_per_min",
    "cuts",
    "raises",
    "paced_s",
)


def merge_snapshots(parts: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Several hubs' `limits_snapshot()`s (the parts of a pytest-xdist run) as one per endpoint: counts and concurrency
    summed over the hubs (peak_in_flight: an upper bound), the first one's settings and budget mirror kept."""
    merged: dict[tuple[Any, Any], dict[str, Any]] = {}
    for part in parts:
        for entry in part or []:
            key = (entry.get("provider"), entry.get("base_url"))
            if key not in merged:
                merged[key] = {**entry, "hubs": 1}
                continue
            into = merged[key]
            into["hubs"] += 1
            for name in SUMMED:
                if isinstance(entry.get(name), (int, float)):
                    into[name] = round(into.get(name, 0) + entry[name], 2)
            if _starts(entry) > _starts(into):  # the shared budget's count read last is the most complete
                into["all_workers"] = entry["all_workers"]
    return list(merged.values())


def _starts(entry: dict[str, Any]) -> int:
    return int((entry.get("all_workers") or {}).get("starts") or -1)
