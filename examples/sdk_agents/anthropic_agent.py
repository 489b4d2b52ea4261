"""An order-status agent on the plain `anthropic` SDK (async), with one tool.

Written as an outside user would: evalkit never imports this module itself; a suite
names it (`agent: examples.sdk_agents.anthropic_agent:make_agent`) and evalkit calls the
factory for each session. The client reads ANTHROPIC_BASE_URL / ANTHROPIC_API_KEY, so
pointing those at FakeLLMServer runs it offline unchanged (bench/session_start.py does).

`make_agent` builds a fresh `AsyncAnthropic` client per session (about 18 ms of CPU each:
the client's TLS context loads the CA bundle). `make_shared_agent` is the same agent,
marked `evalkit_shared = True`: it keeps no per-conversation state, so evalkit may build
it once per run and reuse its client for every session (docs/scale.md, "Session start").
"""

from __future__ import annotations

import json
from typing import Any

from anthropic import AsyncAnthropic

TOOLS = [
    {
        "name": "lookup_order",
        "description": "Look up an order by its id.",
        "input_schema": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]},
    }
]


def lookup_order(order_id: str) -> dict[str, str]:
    """The agent's one tool (a stand-in for a real order system)."""
    return {"order_id": order_id, "status": "shipped", "eta": "Tuesday"}


class OrderAgent:
    """Answers from the conversation so far; runs its own tool loop (at most `max_steps` model calls)."""

    def __init__(self, client: AsyncAnthropic, model: str, max_steps: int = 4) -> None:
        self.client, self.model, self.max_steps = client, model, max_steps

    async def respond(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # evalkit hands over OpenAI chat-format dicts; Anthropic's API takes the text turns as they are
        history = [
            {"role": m["role"], "content": m["content"]}
            for m in messages
            if m["role"] in ("user", "assistant") and m["content"]
        ]
        produced: list[dict[str, Any]] = []
        for _ in range(self.max_steps):
            answer = await self.client.messages.create(model=self.model, max_tokens=512, tools=TOOLS, messages=history)
            text = "".join(b.text for b in answer.content if b.type == "text")
            uses = [b for b in answer.content if b.type == "tool_use"]
            if not uses:
                produced.append({"role": "assistant", "content": text})
                return produced
            produced.append(
                {
                    "role": "assistant",
                    "content": text,
                    "tool_calls": [
                        {"id": u.id, "type": "function", "function": {"name": u.name, "arguments": json.dumps(u.input)}}
                        for u in uses
                    ],
                }
            )
            history.append({"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in answer.content]})
            results = []
            for use in uses:
                output = json.dumps(lookup_order(**use.input))
                produced.append({"role": "tool", "tool_call_id": use.id, "content": output})
                results.append({"type": "tool_result", "tool_use_id": use.id, "content": output})
            history.append({"role": "user", "content": results})
        return produced

    async def aclose(self) -> None:
        await self.client.close()


def make_agent(model: str | None = None, base_url: str | None = None) -> OrderAgent:
    """A fresh agent and client for one session (the common way to write a factory)."""
    return OrderAgent(AsyncAnthropic(base_url=base_url), _api_model(model))


def make_shared_agent(model: str | None = None, base_url: str | None = None) -> OrderAgent:
    """The same agent; it holds no conversation state, so one client can serve every session."""
    return make_agent(model, base_url)


# Declared, not guessed from the parameters (evalkit reads these attributes; no evalkit import needed):
make_agent.evalkit_factory = True  # type: ignore[attr-defined]
make_shared_agent.evalkit_factory = True  # type: ignore[attr-defined]
make_shared_agent.evalkit_shared = True  # type: ignore[attr-defined]


def _api_model(model: str | None) -> str:
    """evalkit passes the name as the provider expects it (`claude-sonnet-4-5`, not `anthropic:claude-sonnet-4-5`)."""
    return model or "claude-sonnet-4-5"
