"""Who grants an endpoint's request starts: this process alone, or a budget shared by every worker of a run.

`Budget` is the grant API the limiter talks to. `LocalBudget` is one process's pacer
(Retry-After holds, static rpm/tpm, the budgets the provider's headers announce).
`SharedBudgetClient` asks the run's budget service (`evalkit.llm.budget_service`, on
127.0.0.1, hosted by the pytest-xdist controller) so all workers spend one budget; a Ray
actor can serve the same calls later. If the service stops answering, the client falls
back for good to a local pacer entitled to 1/workers of every budget: slower, never
unbounded.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from evalkit.llm.pacing import Cost, Mark, Pacer
from evalkit.llm.ratelimit_headers import Reading

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BudgetTerms:
    """What an endpoint's budget enforces (identical in every worker of a run)."""

    rpm: int | None = None
    tpm: int | None = None
    learn: bool = True  # follow the providers' rate-limit headers
    reserve: float = 0.05

    def pacer(self, share: float = 1.0) -> Pacer:
        return Pacer(self.rpm, self.tpm, learn=self.learn, reserve=self.reserve, now=time.monotonic(), share=share)


@dataclass(frozen=True, slots=True)
class Ticket:
    """A granted start: when (in the granting budget's clock) and its running totals, for its response's reading."""

    started: float
    mark: Mark


@dataclass(frozen=True, slots=True)
class Grant:
    """The answer to `take`: a ticket, or how long to wait before asking again.

    `signals` counts the rate-limit signals any worker reported on this endpoint (a worker
    cuts its concurrency when it sees the count move); `workers` is how many processes are
    currently drawing on it (each keeps 1/workers of the concurrency bounds).
    """

    wait_s: float = 0.0
    ticket: Ticket | None = None
    signals: int = 0
    workers: int = 1


class Budget(Protocol):
    """The start-time limits of one endpoint. Synchronous and quick: the limiter does the waiting."""

    shared: bool

    def paced(self) -> bool:
        """Whether starts may have to wait (then they queue in arrival order)."""

    def take(self, cost: Cost) -> Grant:
        """Start a request of this cost now if the budget allows (ticket), else say how long to wait."""

    def observe(self, readings: list[Reading], ticket: Ticket | None) -> None:
        """A response's rate-limit headers, with the ticket of the request it answered (None: not known)."""

    def signal(self, retry_after_s: float | None) -> int:
        """A 429/529 or Retry-After: hold every start for `retry_after_s` and let the other workers cut.

        Returns the endpoint's signal count including this one (so the caller does not cut twice for it).
        """

    def remaining(self) -> dict[str, float]:
        """The mirror of each announced budget, for the live view."""


class LocalBudget:
    """This process's own pacer (no xdist, shared limits off, or the fallback of a shared budget)."""

    shared = False

    def __init__(self, terms: BudgetTerms, share: float = 1.0) -> None:
        self.pacer = terms.pacer(share)
        self.signals = 0

    def paced(self) -> bool:
        return self.pacer.active(time.monotonic())

    def take(self, cost: Cost) -> Grant:
        now = time.monotonic()
        wait = self.pacer.delay(cost, now)
        if wait > 0:
            return Grant(wait, None, self.signals)
        return Grant(0.0, Ticket(now, self.pacer.commit(cost, now)), self.signals)

    def observe(self, readings: list[Reading], ticket: Ticket | None) -> None:
        self.pacer.observe(
            readings, ticket.started if ticket else None, ticket.mark if ticket else None, time.monotonic()
        )

    def signal(self, retry_after_s: float | None) -> int:
        self.signals += 1
        if retry_after_s:
            self.pacer.hold(retry_after_s, time.monotonic())
        return self.signals

    def remaining(self) -> dict[str, float]:
        return self.pacer.remaining(time.monotonic())


class Caller(Protocol):
    """A connection to the budget service: `call(op, **args) -> reply`, raising OSError when it is gone."""

    def call(self, op: str, **args: Any) -> dict[str, Any]: ...


@dataclass
class SharedBudgetClient:
    """One endpoint's budget held by the run's budget service; a 1/workers local share if the service dies."""

    caller: Caller
    key: str  # the endpoint (provider and base URL hashed; no key or secret)
    terms: BudgetTerms
    workers: int
    shared: bool = True
    run_figures: dict[str, Any] = field(default_factory=dict)  # the service's count over every worker (last read)
    _fallback: LocalBudget | None = field(default=None, repr=False)

    def paced(self) -> bool:
        return True if self._fallback is None else self._fallback.paced()

    def take(self, cost: Cost) -> Grant:
        reply = self._call("take", input_tokens=cost.input_tokens, output_tokens=cost.output_tokens)
        if reply is None:
            return self._local().take(cost)
        ticket = reply.get("ticket")
        return Grant(
            float(reply.get("wait_s", 0.0)),
            Ticket(ticket["started"], ticket["mark"]) if ticket else None,
            int(reply.get("signals", 0)),
            max(1, int(reply.get("workers", 1))),
        )

    def observe(self, readings: list[Reading], ticket: Ticket | None) -> None:
        wire = [[r.dimension, r.limit, r.remaining, r.reset_s, r.reset_absolute] for r in readings]
        args = {"readings": wire, "ticket": [ticket.started, ticket.mark] if ticket else None}
        if self._call("observe", **args) is None:
            self._local().observe(readings, None)  # a ticket of the service's clock means nothing here

    def signal(self, retry_after_s: float | None) -> int:
        reply = self._call("signal", retry_after_s=retry_after_s)
        return self._local().signal(retry_after_s) if reply is None else int(reply.get("signals", 0))

    def remaining(self) -> dict[str, float]:
        reply = self._call("remaining")
        if reply is None:
            return self._local().remaining()
        self.run_figures = dict(reply.get("run") or {})
        return dict(reply.get("remaining", {}))

    @property
    def degraded(self) -> bool:
        """The service stopped answering and this worker runs on its local share."""
        return self._fallback is not None

    def _call(self, op: str, **args: Any) -> dict[str, Any] | None:
        if self._fallback is not None:
            return None
        try:
            return self.caller.call(op, key=self.key, terms=_terms_wire(self.terms), **args)
        except (OSError, ValueError, KeyError, TypeError) as err:
            log.warning(
                "evalkit: the shared rate-limit budget stopped answering (%s); this worker now keeps to "
                "1/%d of every limit",
                err,
                self.workers,
            )
            self._local()
            return None

    def _local(self) -> LocalBudget:
        if self._fallback is None:
            self._fallback = LocalBudget(self.terms, share=1 / self.workers)
        return self._fallback


def _terms_wire(terms: BudgetTerms) -> list[Any]:
    return [terms.rpm, terms.tpm, terms.learn, terms.reserve]


def terms_from_wire(wire: list[Any]) -> BudgetTerms:
    rpm, tpm, learn, reserve = wire
    return BudgetTerms(rpm, tpm, bool(learn), float(reserve))
