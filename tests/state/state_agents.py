"""Agents with and without `state()`, for the state-capture tests (named as `state_agents:<factory>`)."""

from __future__ import annotations

from typing import Any

import evalkit


class Booker:
    """Cancels booking AB1234 when asked; exposes its store through state() (sync)."""

    def __init__(self) -> None:
        self.bookings: dict[str, dict[str, Any]] = {"AB1234": {"status": "confirmed", "legs": ["LHR", "JFK"]}}

    def respond(self, messages: list[dict[str, Any]]) -> str:
        if "cancel" in messages[-1]["content"]:
            self.bookings["AB1234"]["status"] = "cancelled"
        return "done"

    def state(self) -> dict[str, Any]:
        return {"bookings": self.bookings}


class AsyncBooker(Booker):
    async def state(self) -> dict[str, Any]:  # type: ignore[override]
        return {"bookings": self.bookings, "async": True}


class BrokenState(Booker):
    def state(self) -> dict[str, Any]:
        raise RuntimeError("db gone")


class OpaqueState(Booker):
    def state(self) -> dict[str, Any]:
        return {"when": object()}


class Stateless:
    def respond(self, messages: list[dict[str, Any]]) -> str:
        return "done"


@evalkit.agent_factory
def make_booker(model: str | None = None) -> Booker:
    return Booker()


@evalkit.agent_factory
def make_async_booker(model: str | None = None) -> Booker:
    return AsyncBooker()


@evalkit.agent_factory
def make_broken(model: str | None = None) -> Booker:
    return BrokenState()


@evalkit.agent_factory
def make_opaque(model: str | None = None) -> Booker:
    return OpaqueState()


@evalkit.agent_factory
def make_stateless(model: str | None = None) -> Stateless:
    return Stateless()
