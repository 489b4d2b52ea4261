"""An airline support agent on the async `anthropic` SDK, written as a team would without evalkit in mind.

`respond(messages)` takes the conversation as chat-format dicts and returns its reply as plain text: its tool
loop (find_booking, cancel_booking, change_flight, refund) runs in-process and is reported to nobody.
evalkit sees that loop anyway, from the model traffic (its capture proxy), and reads the store's `state()`.

The deliberate flaw (`fixed=False`): the refund tool is left out of the tool list, a registration slip that
is easy to miss, so on a refund request the model can only *say* the money is on its way.
"""

from __future__ import annotations

import json
from typing import Any

from anthropic import AsyncAnthropic

from examples.airline_agent.store import BookingError, BookingStore

SYSTEM_PROMPT = """You are the support agent of Alpine Air. Verify a booking with find_booking (booking id and
last name) before changing it. Cancel, change flights and refund only with the tools, and tell the customer
exactly what the tools did. Refunds apply to cancelled bookings with a refundable fare."""


def _tool(name: str, description: str, **fields: str) -> dict[str, Any]:
    return {
        "name": name,
        "description": description,
        "input_schema": {
            "type": "object",
            "properties": {k: {"type": "string", "description": v} for k, v in fields.items()},
            "required": list(fields),
        },
    }


TOOLS = [
    _tool(
        "find_booking",
        "Look up a booking by id and passenger last name.",
        booking_id="e.g. AB1234",
        last_name="passenger last name",
    ),
    _tool("cancel_booking", "Cancel a confirmed booking.", booking_id="booking id"),
    _tool(
        "change_flight",
        "Move a booking to another flight on the same route.",
        booking_id="booking id",
        new_flight="flight number",
        new_date="YYYY-MM-DD",
    ),
    _tool("refund", "Refund the fare of a cancelled, refundable booking.", booking_id="booking id"),
]


class AirlineAgent:
    def __init__(self, client: AsyncAnthropic, model: str, *, fixed: bool = True, max_steps: int = 8) -> None:
        self.client, self.model, self.max_steps = client, model, max_steps
        self.tools = TOOLS if fixed else [t for t in TOOLS if t["name"] != "refund"]  # the flaw
        self.store = BookingStore()

    async def respond(self, messages: list[dict[str, Any]]) -> str:
        history: list[dict[str, Any]] = [
            {"role": m["role"], "content": m["content"]}
            for m in messages
            if m.get("role") in ("user", "assistant") and m.get("content")
        ]
        for _ in range(self.max_steps):
            reply = await self.client.messages.create(
                model=self.model,
                system=SYSTEM_PROMPT,
                messages=history,
                tools=self.tools,
                max_tokens=1024,
            )
            history.append({"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in reply.content]})
            uses = [b for b in reply.content if b.type == "tool_use"]
            if not uses:
                return "".join(b.text for b in reply.content if b.type == "text")
            history.append(
                {
                    "role": "user",
                    "content": [
                        {"type": "tool_result", "tool_use_id": b.id, "content": self.run_tool(b.name, b.input)}
                        for b in uses
                    ],
                }
            )
        return "Sorry, I could not finish that request."

    def run_tool(self, name: str, arguments: Any) -> str:
        if name not in {t["name"] for t in self.tools}:
            return json.dumps({"error": f"unknown tool {name}"})
        try:
            return json.dumps(getattr(self.store, name)(**dict(arguments or {})))
        except (BookingError, TypeError) as err:
            return json.dumps({"error": str(err)})

    def state(self) -> dict[str, Any]:
        return self.store.state()

    async def aclose(self) -> None:
        await self.client.close()
