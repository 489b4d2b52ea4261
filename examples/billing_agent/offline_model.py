"""The model behind the billing agent in offline runs: a deterministic stand-in served by FakeLLMServer.

suites/billing/offline_rules.yaml routes the agent's chat completions here; it takes one step per request
(a tool call or a reply) from the user's words and the tool results so far.
"""

from __future__ import annotations

import json
import re
from typing import Any

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_MONTHS = re.compile(r"\b([1-3]|one|two|three) months?\b", re.I)
_WORDS = {"one": 1, "two": 2, "three": 3}


def respond(request: Any) -> dict[str, Any]:
    """Rule handler: one model step for the billing agent."""
    said = " ".join(m.content for m in request.messages if m.role == "user" and m.content)
    results = _results(request)
    emails = _EMAIL.findall(said)
    if not emails:
        return say("I can help with that. Which email address is the account under?")
    account = results.get("lookup_account")
    if account is None:
        return call("lookup_account", email=emails[-1].rstrip("."))
    if "error" in account:
        return say(f"I'm sorry, I could not find that account: {account['error']}.")
    account_id = account["account_id"]
    if re.search(r"\bpause", said, re.I):
        months = _MONTHS.search(said)
        count = int(_WORDS.get(months.group(1).lower(), months.group(1))) if months else 1
        return _step(
            results,
            "pause_subscription",
            {"account_id": account_id, "months": count},
            lambda r: f"I've paused your subscription for {r['months']} month(s).",
        )
    if re.search(r"\bcancel", said, re.I):
        return _step(
            results,
            "cancel_subscription",
            {"account_id": account_id},
            lambda r: "I've cancelled your subscription; you will not be charged again.",
        )
    if re.search(r"\bcredit|charged twice|refund", said, re.I):
        return _step(
            results,
            "issue_credit",
            {"account_id": account_id, "amount": account["monthly"], "reason": "customer request"},
            lambda r: f"I've credited your account; your credit is now ${r['credit']:.2f}.",
        )
    return say(f"Your {account['plan']} plan is {account['status']}.")


def _step(results: dict[str, dict[str, Any]], tool: str, arguments: dict[str, Any], done: Any) -> dict[str, Any]:
    result = results.get(tool)
    if result is None:
        return call(tool, **arguments)
    if "error" in result:
        return say(f"I'm sorry, that did not work: {result['error']}.")
    return say(done(result))


def _results(request: Any) -> dict[str, dict[str, Any]]:
    calls = {c.id: c.name for m in request.messages for c in (m.tool_calls or [])}
    out: dict[str, dict[str, Any]] = {}
    for m in request.messages:
        if m.role == "tool" and m.tool_call_id in calls:
            try:
                value = json.loads(m.content)
            except (TypeError, json.JSONDecodeError):
                value = {"error": str(m.content)}
            out[calls[m.tool_call_id]] = value if isinstance(value, dict) else {"value": value}
    return out


def say(text: str) -> dict[str, Any]:
    return {"text": text}


def call(name: str, **arguments: Any) -> dict[str, Any]:
    return {"tool_calls": [{"name": name, "arguments": arguments}]}
