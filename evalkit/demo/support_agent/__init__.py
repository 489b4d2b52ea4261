"""Example agent under test: a customer-support agent with four tools, built on the `openai` SDK.

`make_agent(model=...)` is the factory a suite names (`agent: evalkit.demo.support_agent:make_agent`);
evalkit calls it once per session so every conversation gets a fresh client and order store.
"""

from __future__ import annotations

import os
from typing import Any

from openai import AsyncOpenAI

import evalkit
from evalkit.demo.support_agent.agent import SupportAgent
from evalkit.demo.support_agent.store import OrderStore

DEFAULT_MODEL = "gpt-4.1-mini"


def api_model_name(model: str) -> str:
    """For callers that pass a tier (`openai:gpt-4.1-mini` -> `gpt-4.1-mini`); `mock:NAME` stays as it is.

    evalkit itself passes the bare name and the provider separately (see `make_agent`).
    """
    provider, sep, name = model.partition(":")
    if not sep:
        return model
    if provider == "openai":
        return name
    if provider == "mock":
        return model
    raise ValueError(f"the support agent speaks the OpenAI API; model {model!r} must be 'openai:NAME' or 'mock:NAME'")


@evalkit.agent_factory
def make_agent(
    model: str | None = None, base_url: str | None = None, provider: str | None = None, **params: Any
) -> SupportAgent:
    """A fresh support agent. `base_url` (else OPENAI_BASE_URL) points it at any OpenAI-compatible server.

    evalkit passes `model` as the API expects it (`gpt-4.1-mini`) and `provider` (`openai`) separately.
    Extra params: `temperature`, `max_steps`, `timeout_s`, `max_retries`.
    """
    if provider not in (None, "openai", "mock"):
        raise ValueError(f"the support agent speaks the OpenAI API; provider {provider!r} must be 'openai' or 'mock'")
    name = (model or DEFAULT_MODEL) if provider else api_model_name(model or DEFAULT_MODEL)
    url = base_url or os.environ.get("OPENAI_BASE_URL") or None
    key = os.environ.get("OPENAI_API_KEY") or ("offline-no-key" if url else None)
    client = AsyncOpenAI(
        api_key=key, base_url=url, timeout=params.pop("timeout_s", 60.0), max_retries=params.pop("max_retries", 2)
    )
    return SupportAgent(client, name, **params)


__all__ = ["OrderStore", "SupportAgent", "api_model_name", "make_agent"]
