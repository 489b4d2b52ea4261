"""Example agent under test: an airline support agent on the async `anthropic` SDK (see agent.py).

`make_agent` is the factory suites/airline/airline.yaml names; `make_flawed_agent` is its twin with the
deliberate flaw (it claims refunds it never made). Neither knows evalkit: no import, no adapter.
"""

from __future__ import annotations

import os

from anthropic import AsyncAnthropic

from examples.airline_agent.agent import AirlineAgent
from examples.airline_agent.store import BookingStore


def make_agent(model: str = "claude-haiku-4-5", base_url: str | None = None, fixed: bool = True) -> AirlineAgent:
    """A fresh agent and booking store; `base_url` (else ANTHROPIC_BASE_URL) picks the endpoint."""
    url = base_url or os.environ.get("ANTHROPIC_BASE_URL") or None
    key = os.environ.get("ANTHROPIC_API_KEY") or ("no-key-needed" if url else None)
    return AirlineAgent(AsyncAnthropic(api_key=key, base_url=url, max_retries=1), model, fixed=fixed)


def make_flawed_agent(model: str = "claude-haiku-4-5", base_url: str | None = None) -> AirlineAgent:
    """The same agent with the refund tool missing from its tool list."""
    return make_agent(model, base_url, fixed=False)


__all__ = ["AirlineAgent", "BookingStore", "make_agent", "make_flawed_agent"]
