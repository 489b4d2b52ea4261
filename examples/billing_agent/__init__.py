"""Example agent under test: a subscription-billing agent on the `openai` SDK (see agent.py).

`make_agent` is the factory suites/billing/billing.yaml names; `make_flawed_agent` is its twin with the
deliberate flaw (a canned "I've cancelled" that cancels nothing). Neither knows evalkit.
"""

from __future__ import annotations

import os

from openai import AsyncOpenAI

from examples.billing_agent.agent import BillingAgent
from examples.billing_agent.store import AccountStore


def make_agent(model: str = "gpt-4.1-mini", base_url: str | None = None, fixed: bool = True) -> BillingAgent:
    """A fresh agent and account store; `base_url` (else OPENAI_BASE_URL) picks the endpoint."""
    url = base_url or os.environ.get("OPENAI_BASE_URL") or None
    key = os.environ.get("OPENAI_API_KEY") or ("no-key-needed" if url else None)
    return BillingAgent(AsyncOpenAI(api_key=key, base_url=url, max_retries=1), model, fixed=fixed)


def make_flawed_agent(model: str = "gpt-4.1-mini", base_url: str | None = None) -> BillingAgent:
    """The same agent with the cancellation shortcut switched on."""
    return make_agent(model, base_url, fixed=False)


__all__ = ["AccountStore", "BillingAgent", "make_agent", "make_flawed_agent"]
