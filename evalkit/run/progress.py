"""Progress and spending of a run: what the progress callback sees and what budgets check."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from evalkit.run.config import RunConfig


class Progress(BaseModel):
    """A snapshot handed to the progress callback after every state change."""

    planned: int
    done: int  # trials decided (including ones kept from a resumed run)
    running: int  # sessions in conversation
    judging: int
    queued: int
    tokens: int
    cost_usd: float
    cost_unknown: bool  # some call had no known price; cost_usd is a lower bound
    elapsed_s: float
    eta_s: float | None
    stopped_reason: str | None = None
    endpoints: list[
        dict[str, Any]
    ] = []  # per model endpoint: concurrency, in_flight, rate_limited, tokens_per_min, ...

    def endpoints_text(self) -> str:
        """One line for a live display, e.g. `openai api.openai.com: 24 connections, 3 x 429, 41,200 tok/min`."""
        return "; ".join(
            f"{e['provider']} {e['base_url'].split('://')[-1].split('/')[0]}: {e['concurrency']} connections, "
            f"{e['rate_limited']} x 429, {e['tokens_per_min']:,} tok/min"
            for e in self.endpoints
        )


ProgressCallback = Callable[[Progress], None]
BUDGET_PROBE = 2  # sessions measured before a cost or token budget lets more run at once


@dataclass
class Tally:
    """Counts and spending, updated on the run's loop only (no locks needed)."""

    planned: int
    kept: int = 0
    started: int = 0
    running: int = 0
    judging: int = 0
    decided: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    cost_unknown: bool = False
    stopped_reason: str | None = None
    kept_tokens: int = 0  # spent by the earlier part of a resumed run: counts against budgets
    kept_cost_usd: float = 0.0
    t0: float = field(default_factory=time.monotonic)
    endpoints: Callable[[], list[dict[str, Any]]] | None = None  # the hub's limits_snapshot, when it has one

    def spend(self, tokens: int, cost: float | None) -> None:
        self.tokens += tokens
        if cost is None:
            self.cost_unknown = True
        else:
            self.cost_usd += cost

    def may_start(self, config: RunConfig, open_now: int) -> tuple[bool, str | None]:
        """Whether one more session may start now, and why the run must stop starting any.

        Sessions are counted against `max_sessions` directly. For cost and token budgets
        the engine projects: what is spent, plus every open session and the new one at
        the mean cost of the sessions finished so far, must stay within the budget.
        Until `BUDGET_PROBE` sessions have finished, only that many run at once, so a
        budget is not blown by starting everything before anything has been measured.
        """
        if config.max_sessions is not None and self.kept + self.started >= config.max_sessions:
            return False, f"budget max_sessions={config.max_sessions} reached"
        budgets = [
            (config.max_tokens, self.tokens, self.kept_tokens, "max_tokens", "{:.0f} tokens"),
            (config.max_cost_usd, self.cost_usd, self.kept_cost_usd, "max_cost_usd", "${:.4f}"),
        ]
        finished = self.decided - self.kept
        for limit, spent_here, spent_before, name, fmt in budgets:
            if limit is None:
                continue
            spent = spent_here + spent_before
            if spent >= limit:
                return False, f"budget {name}={limit} reached ({fmt.format(spent)} spent)"
            if finished < BUDGET_PROBE:
                if open_now >= BUDGET_PROBE:
                    return False, None
                continue
            per_session = spent_here / finished  # sessions of this invocation, judging included
            if spent + (open_now + 1) * per_session > limit:
                if open_now == 0:
                    return False, (
                        f"budget {name}={limit}: the next session would exceed it "
                        f"({fmt.format(spent)} spent, about {fmt.format(per_session)} per session)"
                    )
                return False, None
        return True, None

    def snapshot(self) -> Progress:
        elapsed = time.monotonic() - self.t0
        done_here = self.decided - self.kept
        remaining = self.planned - self.decided
        eta = elapsed / done_here * remaining if done_here and not self.stopped_reason else None
        return Progress(
            planned=self.planned,
            done=self.decided,
            running=self.running,
            judging=self.judging,
            queued=max(0, self.planned - self.kept - self.started),
            tokens=self.tokens,
            cost_usd=round(self.cost_usd, 6),
            cost_unknown=self.cost_unknown,
            elapsed_s=round(elapsed, 3),
            eta_s=None if eta is None else round(eta, 1),
            stopped_reason=self.stopped_reason,
            endpoints=self.endpoints() if self.endpoints is not None else [],
        )
