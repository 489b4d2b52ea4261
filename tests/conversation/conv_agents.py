"""Agents used by the conversation tests, importable as `conv_agents:NAME` targets."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from evalkit.conversation import AgentContext
from evalkit.llm.types import Message

CREATED: list[dict[str, Any]] = []


def echo(messages: list[Message], context: AgentContext) -> str:
    """A sync agent function: repeats the last user message with the turn number."""
    return f"[{context.turn}] you said: {messages[-1].content}"


async def async_echo(messages: list[Message]) -> str:
    return f"async: {messages[-1].content}"


def kw_context(messages: list[Message], *, context: AgentContext) -> str:
    return f"kw {context.scenario_id}"


def boom(messages: list[Message]) -> str:
    raise RuntimeError("agent exploded")


async def hang(messages: list[Message]) -> str:
    await asyncio.sleep(3600)
    return "never"


def sync_hang(messages: list[Message]) -> str:
    time.sleep(30)  # abandoned in its daemon thread after the turn timeout
    return "too late"


def quitter(messages: list[Message]) -> dict[str, Any]:
    return {"messages": [{"role": "assistant", "content": "We are closing this chat now."}], "end": True}


def silent(messages: list[Message]) -> None:
    return None


class Counter:
    """A stateful agent class: the factory rule instantiates it per session."""

    def __init__(self, model: str | None = None, greeting: str = "hi") -> None:
        self.model = model
        self.greeting = greeting
        self.calls = 0
        CREATED.append({"model": model, "greeting": greeting})

    async def respond(self, messages: list[Message], context: AgentContext) -> str:
        self.calls += 1
        return f"{self.greeting} #{self.calls} from {self.model}"


def make_agent(model: str | None = None, **params: Any) -> Counter:
    return Counter(model=model, **params)


make_agent.evalkit_factory = True  # type: ignore[attr-defined]


def make_tool_agent(model: str | None = None) -> Any:
    """A factory returning an agent that reports its own tool call and result, plus token usage."""

    def respond(messages: list[Message], context: AgentContext) -> dict[str, Any]:
        call_id = f"call_{context.turn}"
        return {
            "messages": [
                {
                    "role": "assistant",
                    "content": "",
                    "tool_calls": [
                        {
                            "id": call_id,
                            "type": "function",
                            "function": {"name": "lookup_order", "arguments": '{"order_id": "1234"}'},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": call_id, "content": '{"status": "delivered"}'},
                {"role": "assistant", "content": f"Order 1234 was delivered (turn {context.turn})."},
            ],
            "usage": {"input_tokens": 100, "output_tokens": 20},
            "calls": 2,
        }

    return respond


make_tool_agent.evalkit_factory = True  # type: ignore[attr-defined]


# ---------------------------------------------------------------- tools for model agents

ORDERS = {"1234": {"status": "delivered", "item": "blender"}}


def lookup_order(order_id: str) -> dict[str, Any]:
    """Look up an order by id.

    Args:
        order_id: The order number the customer gave.
    """
    if order_id not in ORDERS:
        raise KeyError(f"no order {order_id}")
    return {"order_id": order_id, **ORDERS[order_id]}


async def refund_order(order_id: str, amount: float | None = None) -> str:
    """Refund an order."""
    return f"refunded {order_id}"


class _Greeter:
    """An object agent without `respond`: called directly (async `__call__`)."""

    async def __call__(self, messages: list[Message], context: AgentContext) -> Message:
        return Message(role="assistant", content=f"hello from turn {context.turn}")


greeter = _Greeter()
