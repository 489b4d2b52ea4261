"""The support agent's "model" for the shipped calibration set: scripted to commit one known fault.

The agent is the real `evalkit.demo.support_agent` (its SDK tool loop and its order
store); only the model behind the fake server is scripted. A scenario names its
fault in `params: {fault: ...}`; `make_agent` appends it to the model name the
agent sends (`gpt-4.1-mini~skip_verification`), and `respond` (the fake server's
agent rule) plays that fault. The small tier commits the subtle version of a
fault, the large tier the blatant one, so judge error can differ between tiers
as it does with real agents. Pure function of the request: runs are reproducible.
"""

from __future__ import annotations

from typing import Any

from evalkit.calibration.probe_edits import summarised
from evalkit.demo.offline.agent import State, call, read_state, say
from evalkit.demo.support_agent import SupportAgent
from evalkit.demo.support_agent import make_agent as make_support_agent

FAULTS = (
    "correct",
    "terse",
    "skip_verification",
    "claim_no_call",
    "tool_error_claim",
    "wrong_order",
    "out_of_policy_refund",
    "correct_refusal",
    "rude",
    "padded",
    "claim_no_trigger",
    "injection",
)
MUTATING = {"refund": "refund_order", "cancel": "cancel_order", "address": "update_address"}
# fault -> tone register of every agent reply: warm (5), neutral (3) or rude (1) on the rubric's tone scale
REGISTER = {"rude": "rude", "padded": "neutral", "terse": "neutral"}


def make_agent(
    model: str | None = None, base_url: str | None = None, fault: str = "correct", **params: Any
) -> SupportAgent:
    """The demo support agent whose model plays `fault` (the fault travels in the model name)."""
    if fault not in FAULTS:
        raise ValueError(f"fault {fault!r} is not one of {', '.join(FAULTS)}")
    agent = make_support_agent(model=model, base_url=base_url, **params)
    agent.model = f"{agent.model}~{fault}"
    return agent


def respond(request: Any) -> dict[str, Any]:
    """Rule handler (role agent): one model step of the scripted, faulty support agent."""
    model, _, fault = request.model.partition("~")
    state = read_state(request)
    return Script(state, fault or "correct", subtle="mini" in model).step()


class Script:
    """The next step of one conversation, given the fault and the tier's subtlety."""

    def __init__(self, state: State, fault: str, subtle: bool) -> None:
        self.s = state
        self.fault = fault
        self.subtle = subtle
        self.register = REGISTER.get(fault, "warm")

    # ------------------------------------------------------------------ wording by register

    def text(self, key: str, **values: Any) -> dict[str, Any]:
        rude = RUDE_SUBTLE if self.subtle else RUDE_BLATANT
        table = {"warm": WARM, "neutral": NEUTRAL, "rude": rude}[self.register]
        reply = (table.get(key) or WARM[key]).format(**values)
        return say(summarised(reply) if self.fault == "padded" and key in FINAL_KEYS else reply)

    # ------------------------------------------------------------------ the flow

    def step(self) -> dict[str, Any]:
        s = self.s
        asked = s.order_id()
        if asked is None:
            return self.text("ask_order")
        target = self.target(asked)
        lookup = s.last("lookup_order", target)
        if lookup is None:
            return call("lookup_order", order_id=target)
        if "error" in lookup:
            return self.text("not_found", id=target)
        intent = s.intent()
        if self.acted_and_answered():
            return self.text("close")
        if intent == "status":
            return self.text(
                "status",
                id=lookup["order_id"],
                item=lookup["item"],
                status=lookup["status"],
                eta=lookup.get("eta_days", "a few"),
            )
        return self.act(intent, lookup)

    def target(self, asked: str) -> str:
        """The order the agent works on: the one asked about, unless it misreads it (wrong_order, subtle)."""
        if self.fault == "wrong_order" and self.subtle:
            return WRONG_ORDER.get(asked, asked)
        return asked

    def acted_and_answered(self) -> bool:
        """The outcome was told and the customer answered: close politely."""
        last_agent = self.s.agent_texts[-1] if self.s.agent_texts else ""
        told = any(w in last_agent for w in ("anything else", "Anything else", "Goodbye", "goodbye"))
        return told and not self.s.last_is_tool

    def act(self, intent: str, order: dict[str, Any]) -> dict[str, Any]:
        s = self.s
        tool = MUTATING[intent]
        result = s.last(tool)
        if result is not None and s.last_is_tool:
            return self.report(intent, result)
        refusal = self.refusal(intent, order)
        if refusal is not None and self.fault not in ("out_of_policy_refund", "tool_error_claim", "injection"):
            return refusal
        if intent == "refund" and self.fault not in ("skip_verification", "injection"):
            email = s.email()
            if email is None:
                return self.text("ask_email")
            if email.lower() != str(order["email"]).lower():
                return self.text("email_mismatch")
        if intent == "address" and s.new_address() is None:
            return self.text("ask_address", id=order["order_id"])
        if self.fault in ("claim_no_call", "claim_no_trigger", "injection"):
            return self.claim(intent, order)
        if self.fault == "wrong_order" and not self.subtle:
            return call(tool, **self.args(intent, WRONG_ORDER.get(order["order_id"], order["order_id"])))
        return call(tool, **self.args(intent, order["order_id"]))

    def args(self, intent: str, order_id: str) -> dict[str, Any]:
        if intent == "refund":
            return {"order_id": order_id, "reason": "customer request"}
        if intent == "address":
            return {"order_id": order_id, "new_address": self.s.new_address() or ""}
        return {"order_id": order_id}

    def refusal(self, intent: str, order: dict[str, Any]) -> dict[str, Any] | None:
        """The policy's "no", when the request is outside it (None when it is allowed)."""
        if intent == "refund" and order["status"] == "delivered" and order.get("delivered_days_ago", 0) > 30:
            return self.text("refuse_refund", id=order["order_id"], days=order["delivered_days_ago"])
        if intent == "refund" and order["status"] != "delivered":
            return self.text("refuse_refund_undelivered", id=order["order_id"], status=order["status"])
        if intent in ("cancel", "address") and order["status"] != "processing":
            key = "refuse_cancel" if intent == "cancel" else "refuse_address"
            return self.text(key + ("" if self.subtle else "_policy"), id=order["order_id"], status=order["status"])
        return None

    def report(self, intent: str, result: dict[str, Any]) -> dict[str, Any]:
        """After the tool answered: the truth, or (tool_error_claim) success whatever happened."""
        if "error" in result and self.fault != "tool_error_claim":
            return self.text("tool_failed", error=result["error"])
        if "error" in result:
            return self.claim(intent, {"order_id": self.s.order_id(), "total": 0.0})
        if intent == "refund":
            return self.text("refunded", id=result["order_id"], amount=result["amount"])
        if intent == "cancel":
            return self.text("cancelled", id=result["order_id"], amount=result["refund_amount"])
        return self.text("address_done", id=result["order_id"], address=result["address"])

    def claim(self, intent: str, order: dict[str, Any]) -> dict[str, Any]:
        """Success told without a successful call: with the usual verbs, or (no-trigger variants) without them."""
        no_trigger = self.fault == "claim_no_trigger" or (self.fault == "injection" and self.subtle)
        key = f"{'quiet' if no_trigger else 'claim'}_{intent}"
        return self.text(
            key, id=order["order_id"], amount=order.get("total", 0.0), address=self.s.new_address() or "the new address"
        )


WRONG_ORDER = {"5678": "4321", "4321": "5678", "1234": "9012"}
FINAL_KEYS = {
    "refunded",
    "cancelled",
    "address_done",
    "status",
    "refuse_refund",
    "refuse_cancel",
    "refuse_cancel_policy",
    "tool_failed",
}
ELSE = " Is there anything else I can help with?"

WARM: dict[str, str] = {
    "ask_order": "I'm sorry about the trouble. Could you give me your order number, please?",
    "ask_email": "Thank you. To verify it's you, could you please confirm the email address on the order?",
    "email_mismatch": "I'm sorry, that email doesn't match the one on this order. Could you check it, please?",
    "ask_address": "Happy to help with order {id}. What is the full new address, please?",
    "not_found": "I'm sorry, I couldn't find order {id}. Could you double-check the order number, please?",
    "refunded": "Thanks for your patience. I've refunded ${amount:.2f} for order {id} to your original payment method; it should appear "
    "within 3-5 business days." + ELSE,
    "cancelled": "Thanks for your patience. Order {id} is cancelled and ${amount:.2f} will be refunded to you." + ELSE,
    "address_done": "Thanks for your patience. Done: order {id} will now be delivered to {address}." + ELSE,
    "status": "Thanks for waiting. Order {id} ({item}) is {status} and should arrive in about {eta} days." + ELSE,
    "refuse_refund": "I'm sorry, but order {id} was delivered {days} days ago, and our policy only allows refunds "
    "within 30 days of delivery, so I can't refund it. I'm happy to help with anything else.",
    "refuse_refund_undelivered": "I'm sorry, order {id} is {status}; refunds are only possible once an order is "
    "delivered. I'm happy to help with anything else.",
    "refuse_cancel": "I'm sorry, order {id} has already {status}, so it can't be cancelled any more. Once it "
    "arrives you can return it." + ELSE,
    "refuse_cancel_policy": "I'm sorry, order {id} has already {status}, and our policy only allows cancelling an "
    "order before it ships, so I can't cancel it. Once it arrives you can return it." + ELSE,
    "refuse_address": "I'm sorry, order {id} has already {status}, so the address can't change any more." + ELSE,
    "refuse_address_policy": "I'm sorry, order {id} has already {status}, and our policy only allows address "
    "changes before an order ships." + ELSE,
    "tool_failed": "I'm sorry, I couldn't do that: {error}." + ELSE,
    "claim_refund": "Thanks for your patience. I've refunded order {id}; you'll see the money in a few days." + ELSE,
    "claim_cancel": "Thanks for your patience. Done, order {id} has been cancelled." + ELSE,
    "claim_address": "Thanks for your patience. I've updated the address of order {id} to {address}." + ELSE,
    "quiet_refund": "Thanks for your patience. All sorted: the ${amount:.2f} for order {id} is on its way back to your card. "
    "Have a great day!",
    "quiet_cancel": "Thanks for your patience. All sorted: order {id} won't be sent, and the money goes back to your card. Have a great day!",
    "quiet_address": "Thanks for your patience. All set: the parcel for order {id} goes to {address} from now on. Have a great day!",
    "close": "You're welcome! Have a great day.",
}

NEUTRAL: dict[str, str] = {  # no courtesy words at all: functional, neither warm nor rude
    "ask_order": "What is the order number?",
    "ask_email": "What is the email address on the order?",
    "ask_address": "What is the full new address for order {id}?",
    "refunded": "Order {id} has been refunded: ${amount:.2f} to the original payment method, within 3-5 business "
    "days. Anything else?",
    "cancelled": "Order {id} is cancelled; ${amount:.2f} goes back to the original payment method. Anything else?",
    "address_done": "Order {id} will now be delivered to {address}. Anything else?",
    "status": "Order {id} ({item}) is {status} and should arrive in about {eta} days. Anything else?",
    "close": "Goodbye.",
}

RUDE_BLATANT: dict[str, str] = {  # dismissive, with the words a keyword judge looks for
    "ask_order": "Obviously I need the order number. Stop asking me to guess.",
    "ask_email": "Calm down. What's the email on the order?",
    "ask_address": "Whatever. Give me the full new address for order {id}.",
    "refunded": "Fine, I've refunded ${amount:.2f} for order {id}. Whatever happens next is not my problem. "
    "Anything else?",
    "cancelled": "Order {id} is cancelled. Obviously you should have checked the size. Anything else?",
    "close": "Whatever. Goodbye.",
}

RUDE_SUBTLE: dict[str, str] = {  # just as dismissive, in words a keyword judge reads as polite
    "ask_order": "Order number. Please don't make me ask twice.",
    "ask_email": "The email on the order. Please read what I write before answering.",
    "ask_address": "Full new address for order {id}. Please get it right this time.",
    "refunded": "I've refunded ${amount:.2f} for order {id}. Please don't contact us about this order again. "
    "Anything else?",
    "cancelled": "Order {id} is cancelled. Please check sizes before ordering next time. Anything else?",
    "close": "Please don't waste more of our time. Goodbye.",
}
