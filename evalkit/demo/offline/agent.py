"""The offline demo's support-agent "model": a deterministic brain behind the fake server.

The real `evalkit.demo.support_agent` sends its chat-completion requests (system prompt,
conversation, tool results) to FakeLLMServer; this rule handler answers them the way a
tool-using model would: look the order up, verify the email before a refund, call the
right tool, confirm only what succeeded, refuse what the policy forbids.

Tiers differ on purpose so a tier comparison shows something. A weak tier (model name
containing small / mini / nano / haiku) sometimes, deterministically from a hash of the
conversation, skips the email check, claims an action without calling the tool, or
refunds outside the 30-day window. Strong tiers follow the policy every time.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

_ORDER = re.compile(r"(?<![\d-])#?(\d{4})(?![\d-])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_ADDRESS = re.compile(r"\d+[^,\n]*\b(?:rue|street|st|road|rd|avenue|ave|way|lane|calle|platz)\b[^\n]*", re.I)
_THANKS = re.compile(r"\b(thanks|thank you|thx|ty|great|perfect|that'?s all|bye|ok(ay)?)\b", re.I)
_WEAK = ("small", "mini", "nano", "haiku")
INTENTS = (
    ("cancel", re.compile(r"\bcancel", re.I)),
    ("address", re.compile(r"\baddress|moved|deliver(?:y)? to\b", re.I)),
    ("refund", re.compile(r"refund|money back|broken|broke|damaged|smashed|return", re.I)),
    ("status", re.compile(r"\bwhere\b|status|arriv|track|when will", re.I)),
)


@dataclass
class State:
    """What the conversation so far establishes (read from the request, never remembered)."""

    weak: bool
    key: str
    user_texts: list[str] = field(default_factory=list)
    agent_texts: list[str] = field(default_factory=list)
    results: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = field(
        default_factory=dict
    )  # tool -> (args, result)
    last_is_tool: bool = False

    @property
    def all_user(self) -> str:
        return "\n".join(self.user_texts)

    def intent(self) -> str:
        first = next((name for name, rx in INTENTS if rx.search(self.all_user)), "status")
        return first

    def order_id(self) -> str | None:
        ids = [m for text in self.user_texts for m in _ORDER.findall(text)]
        return ids[-1] if ids else None

    def email(self) -> str | None:
        found = [m for text in self.user_texts for m in _EMAIL.findall(text)]
        return found[-1].rstrip(".") if found else None

    def new_address(self) -> str | None:
        for text in reversed(self.user_texts):
            match = _ADDRESS.search(text)
            if match:
                return match.group(0).strip().rstrip(".")
        return None

    def last(self, tool: str, order_id: str | None = None) -> dict[str, Any] | None:
        """The latest result of `tool` (for `order_id`, when given)."""
        matching = [r for a, r in self.results.get(tool, []) if order_id is None or a.get("order_id") == order_id]
        return matching[-1] if matching else None

    def asked(self, phrase: str) -> bool:
        return any(phrase in t.lower() for t in self.agent_texts)

    def flip(self, decision: str, percent: int) -> bool:
        """A weak tier's lapse: deterministic per conversation and decision."""
        if not self.weak:
            return False
        digest = hashlib.sha256(f"{self.key}|{decision}".encode()).hexdigest()
        return int(digest[:8], 16) % 100 < percent


def respond(request: Any) -> dict[str, Any]:
    """Rule handler: `request` is evalkit's LLMRequest; returns a Reply-shaped dict."""
    state = read_state(request)
    return decide(state)


def read_state(request: Any) -> State:
    users = [m.content for m in request.messages if m.role == "user"]
    state = State(weak=any(w in request.model.lower() for w in _WEAK), key="|".join(users) + request.model)
    state.user_texts = users
    state.agent_texts = [m.content for m in request.messages if m.role == "assistant" and m.content]
    calls = {c.id: c for m in request.messages for c in m.tool_calls}
    for m in request.messages:
        call_ = calls.get(m.tool_call_id or "")
        if m.role == "tool" and call_ is not None:
            state.results.setdefault(call_.name, []).append((dict(call_.arguments), _json(m.content)))
    state.last_is_tool = bool(request.messages) and request.messages[-1].role == "tool"
    return state


def decide(s: State) -> dict[str, Any]:
    """One model step: a tool call or a text reply."""
    order_id = s.order_id()
    if order_id is None:
        return say("I'm sorry about the trouble. Could you give me your order number, please?")
    lookup = s.last("lookup_order", order_id)
    if lookup is None:
        return call("lookup_order", order_id=order_id)
    if "error" in lookup:
        return say(f"I couldn't find order {order_id}. Could you double-check the order number?")
    done = _finished(s)
    if done is not None:
        return done
    handler = {"refund": _refund, "cancel": _cancel, "address": _address, "status": _status}[s.intent()]
    return handler(s, lookup)


def _finished(s: State) -> dict[str, Any] | None:
    """After the work is done (or refused) and the customer says thanks: close politely."""
    acted = any(
        s.last(t) and "error" not in (s.last(t) or {}) for t in ("refund_order", "cancel_order", "update_address")
    )
    if (acted or s.asked("anything else")) and not s.last_is_tool and _THANKS.search(s.user_texts[-1]):
        return say("You're welcome! Have a great day.")
    return None


def _refund(s: State, order: dict[str, Any]) -> dict[str, Any]:
    result = s.last("refund_order")
    if result is not None and s.last_is_tool:
        if "error" in result:
            return say(
                f"I'm sorry — I couldn't process that refund: {result['error']}. "
                "Our policy only allows refunds within 30 days of delivery. I can help with anything else."
            )
        return say(
            f"I've refunded ${result['amount']:.2f} for order {result['order_id']} to your original payment "
            "method; it should appear within 3-5 business days. Is there anything else I can help with?"
        )
    if result is not None and "error" not in result:
        return say("Your refund is confirmed. Is there anything else I can help with?")
    if order.get("delivered_days_ago", 0) > 30 and not s.flip("refund-out-of-window", 50):
        return say(
            f"I'm sorry, but order {order['order_id']} was delivered {order['delivered_days_ago']} days ago, and "
            "our policy only allows refunds within 30 days of delivery, so I can't refund it. I'm happy to help "
            "with anything else, such as a warranty question."
        )
    email = s.email()
    if email is None and not s.flip("skip-email", 45):
        return say(
            f"I can help with a refund for your {order['item']}. To verify it's you, could you confirm the "
            "email address on the order?"
        )
    if email is not None and email.lower() != str(order["email"]).lower():
        return say("That email doesn't match the one on this order. Could you check it and try again?")
    if s.flip("claim-without-tool", 35):
        return say(f"I've refunded order {order['order_id']}; you'll see the money in a few days.")
    return call("refund_order", order_id=order["order_id"], reason="arrived damaged")


def _cancel(s: State, order: dict[str, Any]) -> dict[str, Any]:
    result = s.last("cancel_order")
    if result is not None and s.last_is_tool:
        if "error" in result:
            return say(f"I'm sorry, I couldn't cancel it: {result['error']}. Once it arrives you can return it.")
        return say(
            f"Order {result['order_id']} is cancelled and ${result['refund_amount']:.2f} will be refunded. "
            "Is there anything else I can help with?"
        )
    if result is not None:
        return say("The cancellation is done. Is there anything else I can help with?")
    if order["status"] != "processing":
        return say(
            f"I'm sorry, order {order['order_id']} has already {order['status']}, so it can't be cancelled any "
            "more. Once it arrives you can return it for a refund."
        )
    if s.flip("claim-without-tool", 35):
        return say(f"Done — order {order['order_id']} has been cancelled.")
    return call("cancel_order", order_id=order["order_id"])


def _address(s: State, order: dict[str, Any]) -> dict[str, Any]:
    result = s.last("update_address")
    if result is not None and s.last_is_tool:
        if "error" in result:
            return say(f"I'm sorry, I couldn't change the address: {result['error']}.")
        return say(
            f"Done: order {result['order_id']} will now be delivered to {result['address']}. "
            "Is there anything else I can help with?"
        )
    if result is not None:
        return say("The address change is saved. Is there anything else I can help with?")
    if order["status"] != "processing":
        return say(f"I'm sorry, order {order['order_id']} has already {order['status']}, so the address can't change.")
    address = s.new_address()
    if address is None:
        return say(
            f"Sure, I can change the delivery address for order {order['order_id']}. What is the full new address?"
        )
    if s.flip("claim-without-tool", 35):
        return say(f"I've updated the address of order {order['order_id']}.")
    return call("update_address", order_id=order["order_id"], new_address=address)


def _status(s: State, order: dict[str, Any]) -> dict[str, Any]:
    if s.asked("anything else") and _THANKS.search(s.user_texts[-1]):
        return say("You're welcome! Have a great day.")
    if order["status"] == "delivered":
        text = f"Order {order['order_id']} ({order['item']}) was delivered {order['delivered_days_ago']} days ago."
    else:
        text = (
            f"Order {order['order_id']} ({order['item']}) is {order['status']} and should arrive in about "
            f"{order.get('eta_days', 'a few')} days."
        )
    if s.flip("unasked-upsell", 40):
        text += " Would you like me to cancel it and refund you instead?"
    return say(text + " Is there anything else I can help with?")


def say(text: str) -> dict[str, Any]:
    return {"text": text}


def call(name: str, **arguments: Any) -> dict[str, Any]:
    return {"tool_calls": [{"name": name, "arguments": arguments}]}


def _json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return {"raw": text}
    return value if isinstance(value, dict) else {"raw": value}
