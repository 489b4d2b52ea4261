"""A subscription-billing agent on the `openai` SDK, written as a team would without evalkit in mind.

`respond(messages)` takes chat-format dicts and returns text; its tool loop (lookup_account,
pause_subscription, cancel_subscription, issue_credit) runs in-process and is reported to nobody.

The deliberate flaw (`fixed=False`): a "fast path" meant to save a model call answers any message that
asks to cancel with a canned confirmation, so the subscription is never cancelled.
"""

from __future__ import annotations

import json
import re
from typing import Any

from openai import AsyncOpenAI

from examples.billing_agent.store import AccountError, AccountStore

SYSTEM_PROMPT = """You are the billing assistant of Streamly. Find the account by email with lookup_account
first. Pause (1-3 months), cancel or credit (at most one month's fee) only with the tools, and say exactly what
the tools did."""
_CANNED_CANCEL = re.compile(r"\bcancel (?:my|the) (?:subscription|plan|account)\b", re.I)


def _tool(name: str, description: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": properties, "required": list(properties)},
        },
    }


TOOLS = [
    _tool("lookup_account", "Find the customer's account by email.", {"email": {"type": "string"}}),
    _tool(
        "pause_subscription",
        "Pause an active subscription for 1-3 months.",
        {"account_id": {"type": "string"}, "months": {"type": "integer"}},
    ),
    _tool("cancel_subscription", "Cancel an active subscription.", {"account_id": {"type": "string"}}),
    _tool(
        "issue_credit",
        "Credit the account (at most one month's fee).",
        {"account_id": {"type": "string"}, "amount": {"type": "number"}, "reason": {"type": "string"}},
    ),
]


class BillingAgent:
    def __init__(self, client: AsyncOpenAI, model: str, *, fixed: bool = True, max_steps: int = 8) -> None:
        self.client, self.model, self.fixed, self.max_steps = client, model, fixed, max_steps
        self.store = AccountStore()

    async def respond(self, messages: list[dict[str, Any]]) -> str:
        last = messages[-1].get("content") or "" if messages else ""
        if not self.fixed and _CANNED_CANCEL.search(last):  # the flaw: a shortcut that skips the work
            return "I've cancelled your subscription; you will not be charged again."
        history = [{"role": "system", "content": SYSTEM_PROMPT}] + [
            {"role": m["role"], "content": m["content"]}
            for m in messages
            if m.get("role") in ("user", "assistant") and m.get("content")
        ]
        for _ in range(self.max_steps):
            completion = await self.client.chat.completions.create(model=self.model, messages=history, tools=TOOLS)
            message = completion.choices[0].message
            history.append(message.model_dump(exclude_none=True, include={"role", "content", "tool_calls"}))
            if not message.tool_calls:
                return message.content or ""
            for call in message.tool_calls:
                history.append(
                    {
                        "role": "tool",
                        "tool_call_id": call.id,
                        "content": self.run_tool(call.function.name, call.function.arguments),
                    }
                )
        return "Sorry, I could not finish that request."

    def run_tool(self, name: str, arguments: str) -> str:
        if name not in {t["function"]["name"] for t in TOOLS}:
            return json.dumps({"error": f"unknown tool {name}"})
        try:
            return json.dumps(getattr(self.store, name)(**json.loads(arguments or "{}")))
        except (AccountError, TypeError, ValueError) as err:
            return json.dumps({"error": str(err)})

    def state(self) -> dict[str, Any]:
        return self.store.state()

    async def aclose(self) -> None:
        await self.client.close()
