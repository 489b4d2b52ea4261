"""Progress and spending of a run: what the progress callback sees and what budgets check."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

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


ProgressCallback = Callable[[Progress], None]


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
    t0: float = field(default_factory=time.monotonic)

    def spend(self, tokens: int, cost: float | None) -> None:
        self.tokens += tokens
        if cost is None:
            self.cost_unknown = True
        else:
            self.cost_usd += cost

    def budget_exceeded(self, config: RunConfig) -> str | None:
        """Why no new session may start, or None. Sessions count the kept ones of a resumed run too."""
        if config.max_sessions is not None and self.kept + self.started >= config.max_sessions:
            return f"budget max_sessions={config.max_sessions} reached"
        if config.max_tokens is not None and self.tokens >= config.max_tokens:
            return f"budget max_tokens={config.max_tokens} reached ({self.tokens} tokens used)"
        if config.max_cost_usd is not None and self.cost_usd >= config.max_cost_usd:
            return f"budget max_cost_usd={config.max_cost_usd} reached (${self.cost_usd:.4f} spent)"
        return None

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
        )
