"""The run's rate-limit budget as a Ray actor: the same grant API the xdist budget service serves.

One `BudgetService` (one pacer per endpoint, its own clock) lives in one actor; every
worker's hub asks it through `RayBudgetCaller`, which `SharedBudgetClient` uses like the
xdist socket connection. So the workers of a Ray run spend one budget, not one each.
If the actor stops answering, the client falls back to 1/workers of every limit.
"""

from __future__ import annotations

from typing import Any

from evalkit.llm.budget_service import CALL_TIMEOUT_S, BudgetService


class BudgetActor:
    """Wraps `BudgetService`; created once per run by the driver (0 CPUs, threaded for quick grants)."""

    def __init__(self) -> None:
        self.service = BudgetService()

    def handle(self, worker: int, request: dict[str, Any]) -> dict[str, Any]:
        try:
            return self.service.handle(worker, request)
        except (KeyError, ValueError, TypeError) as err:  # a malformed call is the caller's error, as over TCP
            return {"error": f"{type(err).__name__}: {err}"}

    def figures(self) -> dict[str, dict[str, Any]]:
        return self.service.figures()


class RayBudgetCaller:
    """A worker's side: `call(op, **args)` on the budget actor; Ray failures read as a lost connection.

    The call blocks (the Budget API is synchronous); it takes about a millisecond on one machine.
    """

    def __init__(self, actor: Any, worker: int, timeout_s: float = CALL_TIMEOUT_S) -> None:
        self.actor = actor
        self.worker = worker
        self.timeout_s = timeout_s

    def call(self, op: str, **args: Any) -> dict[str, Any]:
        import ray

        try:
            reply = ray.get(self.actor.handle.remote(self.worker, {"op": op, **args}), timeout=self.timeout_s)
        except (ray.exceptions.RayError, TimeoutError) as err:
            raise ConnectionError(f"budget actor: {type(err).__name__}: {err}") from err
        if "error" in reply:
            raise ValueError(f"budget actor: {reply['error']}")
        return reply

    def close(self) -> None:
        return None
