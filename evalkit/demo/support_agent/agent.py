"""A tool-using customer-support agent written against the plain `openai` SDK.

It knows nothing about evalkit: it receives the conversation so far (OpenAI chat-format
dicts, as evalkit hands them to every Python agent), runs its own tool loop against an
OpenAI-compatible endpoint, and returns the messages it produced plus its token usage.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from openai import AsyncOpenAI

if TYPE_CHECKING:  # the SDK's request types (their names vary across openai releases; only read here)
    from openai.types.chat import ChatCompletionMessageParam, ChatCompletionToolParam

from evalkit.demo.support_agent.store import OrderError, OrderStore

SYSTEM_PROMPT = (Path(__file__).parent / "system_prompt.md").read_text(encoding="utf-8")

TOOLS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": "lookup_order",
            "description": "Look up an order: status, item, total, delivery and email on file.",
            "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]},
        },
    },
    {
        "type": "function",
        "function": {
            "name": "refund_order",
            "description": "Refund a delivered order (within 30 days of delivery).",
            "parameters": {
                "type": "object",
                "properties": {"order_id": {"type": "string"}, "reason": {"type": "string"}},
                "required": ["order_id"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "cancel_order",
            "description": "Cancel an order that has not shipped.",
            "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]},
        },
    },
    {
        "type": "function",
        "function": {
            "name": "update_address",
            "description": "Change the delivery address of an order that has not shipped.",
            "parameters": {
                "type": "object",
                "properties": {"order_id": {"type": "string"}, "new_address": {"type": "string"}},
                "required": ["order_id", "new_address"],
            },
        },
    },
]


class SupportAgent:
    """One conversation's agent: its own client, order store and model."""

    def __init__(self, client: AsyncOpenAI, model: str, *, temperature: float | None = 0.2, max_steps: int = 6) -> None:
        self.client = client
        self.model = model
        self.temperature = temperature
        self.max_steps = max_steps
        self.store = OrderStore()

    async def respond(self, messages: list[Any], context: Any = None) -> dict[str, Any]:
        history = [{"role": "system", "content": SYSTEM_PROMPT}, *(to_openai(m) for m in messages)]
        produced: list[dict[str, Any]] = []
        usage = {"input_tokens": 0, "output_tokens": 0}
        for _ in range(self.max_steps):
            completion = await self.client.chat.completions.create(
                model=self.model,
                messages=cast("list[ChatCompletionMessageParam]", history + produced),
                tools=cast("list[ChatCompletionToolParam]", TOOLS),
                temperature=self.temperature,
            )
            if completion.usage is not None:
                usage["input_tokens"] += completion.usage.prompt_tokens
                usage["output_tokens"] += completion.usage.completion_tokens
            message = completion.choices[0].message
            produced.append(message.model_dump(exclude_none=True, include={"role", "content", "tool_calls"}))
            if not message.tool_calls:
                break
            for call in message.tool_calls:
                if call.type == "function":
                    result = self.run_tool(call.function.name, call.function.arguments)
                else:  # a custom (free-text) tool call: this agent declares none
                    result = json.dumps({"error": f"unsupported tool call type {call.type}"})
                produced.append({"role": "tool", "tool_call_id": call.id, "content": result})
        return {"messages": produced, "usage": usage, "calls": len([m for m in produced if m["role"] == "assistant"])}

    def run_tool(self, name: str, arguments: str) -> str:
        """Execute one tool call against this agent's store; failures are reported back to the model."""
        operation = getattr(self.store, name, None) if name in {t["function"]["name"] for t in TOOLS} else None
        if operation is None:
            return json.dumps({"error": f"unknown tool {name}"})
        try:
            return json.dumps(operation(**json.loads(arguments or "{}")))
        except (OrderError, TypeError, ValueError) as err:
            return json.dumps({"error": str(err)})

    def state(self) -> dict[str, Any]:
        """The order store after the session: what evalkit's state checks read."""
        return self.store.state()

    async def aclose(self) -> None:
        await self.client.close()


def to_openai(message: Any) -> dict[str, Any]:
    """A conversation message (dict or object with role/content/tool_calls) in OpenAI chat format."""
    get = message.get if isinstance(message, dict) else lambda key, default=None: getattr(message, key, default)
    out: dict[str, Any] = {"role": get("role"), "content": get("content") or ""}
    calls = get("tool_calls") or []
    if calls:
        out["tool_calls"] = [_openai_call(c) for c in calls]
    if get("role") == "tool":
        out["tool_call_id"] = get("tool_call_id")
    return out


def _openai_call(call: Any) -> dict[str, Any]:
    if isinstance(call, dict) and "function" in call:
        return call
    get = call.get if isinstance(call, dict) else lambda key, default=None: getattr(call, key, default)
    return {
        "id": get("id"),
        "type": "function",
        "function": {"name": get("name"), "arguments": json.dumps(get("arguments") or {})},
    }
