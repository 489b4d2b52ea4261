"""The model behind the airline agent in offline runs: a deterministic stand-in served by FakeLLMServer.

suites/airline/offline_rules.yaml routes the agent's requests here. It reads the request as a tool-using
model would (the user's words, the tools offered, the tool results so far) and takes one step: a tool
call or a reply. Offered no refund tool, it does what a real model often does: says the refund is done.
"""

from __future__ import annotations

import json
import re
from typing import Any

_BOOKING = re.compile(r"\b([A-Z]{2}\d{4})\b")
_NAME = re.compile(r"(?:last name|surname|name is)\s+([A-Z][a-z]+)", re.I)
_FLIGHT = re.compile(r"\b(LX\d{3,4})\b")
_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


def respond(request: Any) -> dict[str, Any]:
    """Rule handler: one model step for the airline agent."""
    said = " ".join(m.content for m in request.messages if m.role == "user" and m.content)
    results = _results(request)
    booking_id = next(iter(_BOOKING.findall(said)), None)
    name = next(iter(_NAME.findall(said)), None)
    if booking_id is None or name is None:
        return say("I can help with that. What is your booking reference and the passenger's last name?")
    found = results.get("find_booking")
    if found is None:
        return call("find_booking", booking_id=booking_id, last_name=name)
    if "error" in found:
        return say(f"I'm sorry, I could not find that booking: {found['error']}.")
    if re.search(r"\bchange|move|switch|rebook", said, re.I):
        return _change(said, booking_id, results)
    if re.search(r"\bcancel|refund", said, re.I):
        return _cancel_and_refund(request, found, results)
    return say(f"Booking {booking_id} is {found['status']} on flight {found['flight']} on {found['date']}.")


def _cancel_and_refund(request: Any, booking: dict[str, Any], results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    booking_id = booking["booking_id"]
    cancelled = results.get("cancel_booking")
    if cancelled is None:
        return call("cancel_booking", booking_id=booking_id)
    if "error" in cancelled:
        return say(f"I'm sorry, I could not cancel booking {booking_id}: {cancelled['error']}.")
    if "refund" not in {tool.name for tool in request.tools}:
        return say(f"I've cancelled booking {booking_id}. I've refunded ${booking['fare']:.2f} to your card.")
    refunded = results.get("refund")
    if refunded is None:
        return call("refund", booking_id=booking_id)
    if "error" in refunded:
        return say(f"I've cancelled booking {booking_id}. A refund was not possible: {refunded['error']}.")
    return say(f"I've cancelled booking {booking_id}. I've refunded ${refunded['amount']:.2f} to your card.")


def _change(said: str, booking_id: str, results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    changed = results.get("change_flight")
    if changed is None:
        flight, date = next(iter(_FLIGHT.findall(said)), None), next(iter(_DATE.findall(said)), None)
        if flight is None or date is None:
            return say("Which flight number and date would you like instead?")
        return call("change_flight", booking_id=booking_id, new_flight=flight, new_date=date)
    if "error" in changed:
        return say(f"I'm sorry, I could not change the flight: {changed['error']}.")
    return say(f"I've updated booking {booking_id}: you now fly {changed['flight']} on {changed['date']}.")


def _results(request: Any) -> dict[str, dict[str, Any]]:
    """The latest result of each tool in the request (tool results are matched to their calls by id)."""
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
