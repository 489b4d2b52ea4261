"""The offline demo's user simulator: a deterministic customer behind the fake server.

It reads what a real simulator model would read — the system prompt evalkit renders
from `templates/simulator/system.j2` (persona, goal, known and unknown facts) and the
role-flipped conversation — and answers like a customer: gives a known fact when the
agent asks for it, says it does not know an unknown one, pushes back on a refusal when
the goal says to insist, and ends through the `end_conversation` tool (goal_met,
gave_up, agent_ended) once the matter is settled. Wording follows the persona and its
seeded variation, so trials differ the way they would with a live model.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

_SECTION = re.compile(r"^## (.+?)\n(.*?)(?=^## |\Z)", re.M | re.S)
_FACT = re.compile(r"^- ([^:\n]+): (.+)$", re.M)
_ITEM = re.compile(r"^- (.+)$", re.M)
_DONE = {
    "refund": re.compile(r"\b(?:i've|i have|has been|is)\s+(?:now\s+)?refunded|refund is confirmed", re.I),
    "cancel": re.compile(r"\bis cancell?ed|has been cancell?ed|cancellation is done|been cancell?ed", re.I),
    "address": re.compile(r"will now be delivered to|updated the address|address change is saved", re.I),
    "status": re.compile(r"should arrive|was delivered|arriv(?:e|es|ing) (?:in|on|by)", re.I),
}
_REFUSAL = re.compile(r"can't|cannot|couldn't|unable|only allows|not possible|no longer|doesn't match", re.I)
_CLOSING = re.compile(r"have a (?:great|nice|good) day|goodbye", re.I)
_ASKS = {
    "order_id": re.compile(r"order (?:number|id|#)", re.I),
    "email": re.compile(r"e-?mail", re.I),
    "new_address": re.compile(r"new address|full (?:new )?address|delivery address", re.I),
}


@dataclass
class Customer:
    goal: str
    known: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    style: str = ""
    variation: str = ""
    description: str = ""

    @property
    def intent(self) -> str:
        goal = self.goal.lower()
        for name, words in (
            ("cancel", ("cancel",)),
            ("address", ("address",)),
            ("refund", ("refund", "money")),
            ("status", ("where", "arrive")),
        ):
            if any(w in goal for w in words):
                return name
        return "status"

    @property
    def insists(self) -> bool:
        return "insist" in self.goal.lower()


def respond(request: Any) -> dict[str, Any]:
    """Rule handler: `request` is evalkit's LLMRequest (role simulator); returns a Reply-shaped dict."""
    customer = read_prompt(request.system)
    own = [m.content for m in request.messages if m.role == "assistant"]
    last = request.messages[-1].content if len(request.messages) > 2 and request.messages[-1].role == "user" else ""
    rng = random.Random(f"{request.params.get('seed')}|{len(own)}|{customer.goal}")
    text, end = next_turn(customer, own, last, rng)
    reply: dict[str, Any] = {"text": styled(text, customer, rng) if text else ""}
    if end:
        reply["tool_calls"] = [{"name": "end_conversation", "arguments": {"reason": end}}]
    return reply


def read_prompt(system: str) -> Customer:
    sections = {title.strip().lower(): body.strip() for title, body in _SECTION.findall(system)}
    who = sections.get("who you are", "")
    style = next((line.split(":", 1)[1].strip() for line in who.splitlines() if line.startswith("Writing style:")), "")
    variation = next((line.split(":", 1)[1].strip() for line in who.splitlines() if line.startswith("This time:")), "")
    goal = sections.get("your goal", "").split("\n\n", 1)[0].strip()
    known = {k.strip(): v.strip() for k, v in _FACT.findall(sections.get("facts you know", ""))}
    unknown = [i.strip() for i in _ITEM.findall(sections.get("facts you do not know", ""))]
    return Customer(goal, known, unknown, style, variation, who.splitlines()[0] if who else "")


def next_turn(c: Customer, own: list[str], last: str, rng: random.Random) -> tuple[str, str | None]:
    """What the customer says next, and the end reason if the conversation is over."""
    if not own and not last:
        return opening(c), None
    if _CLOSING.search(last) and not _DONE[c.intent].search(last):
        return "", "agent_ended"
    if _DONE[c.intent].search(last):
        return rng.choice(["great, thanks!", "perfect, thank you.", "ok, that's all I needed. thanks"]), "goal_met"
    if len(own) >= 7:
        return "this is going nowhere. bye.", "gave_up"
    if _REFUSAL.search(last) and not any(rx.search(last) for rx in _ASKS.values()):
        pushes = sum("policy" in t.lower() or "insist" in t.lower() or "really" in t.lower() for t in own)
        if c.insists and pushes < 2:
            return rng.choice(
                [
                    "that's not good enough. I really want my money back, can't you make an exception to the policy?",
                    "I insist. I've been a customer for years, really, just refund it.",
                ]
            ) if pushes == 0 else "I really insist, this policy is ridiculous. one last time: refund it.", None
        return "fine, I understand the policy. disappointing, but ok.", "gave_up"
    answer = answer_question(c, last, rng)
    if answer:
        return answer, None
    return restate(c), None


def answer_question(c: Customer, last: str, rng: random.Random) -> str | None:
    for item in c.unknown:
        if item.lower() in last.lower():
            return f"sorry, I don't know my {item}."
    for key, rx in _ASKS.items():
        if rx.search(last):
            if key not in c.known:
                return f"sorry, I don't know the {key.replace('_', ' ')}."
            extra = (
                f" and my email is {c.known['email']}"
                if key == "order_id" and "volunteer" in c.style.lower() and "email" in c.known
                else ""
            )
            phrase = rng.choice(
                ["it's {}", "{}", "sure: {}", "the {} is {}".replace("the {} is", f"the {key.replace('_', ' ')} is")]
            )
            return phrase.format(c.known[key]) + extra
    return None


def opening(c: Customer) -> str:
    order = c.known.get("order_id", "")
    return {
        "refund": f"hi, I'd like a refund for order {order}",
        "cancel": f"hi, please cancel order {order}",
        "address": f"hi, I need to change the delivery address on order {order}",
        "status": f"hi, where is my order {order}?",
    }[c.intent]


def restate(c: Customer) -> str:
    order = c.known.get("order_id", "my order")
    return {
        "refund": f"so can you refund order {order} or not?",
        "cancel": f"can you just cancel order {order}?",
        "address": f"can you change the address on order {order}? the new one is {c.known.get('new_address', '')}",
        "status": f"so when will order {order} arrive?",
    }[c.intent]


def styled(text: str, c: Customer, rng: random.Random) -> str:
    """Apply the persona: lowercase for terse writers, capitals or typos for some variations."""
    style = f"{c.style} {c.variation}".lower()
    if "lowercase" in style or "short" in style:
        text = text.lower()
    if "capital" in style and rng.random() < 0.6:
        words = text.split()
        i = rng.randrange(len(words))
        words[i] = words[i].upper()
        text = " ".join(words)
    if "typo" in style and rng.random() < 0.5:
        words = text.split()
        candidates = [i for i, w in enumerate(words) if w.isalpha() and len(w) > 4]
        if candidates:
            i = rng.choice(candidates)
            w = words[i]
            words[i] = w[0] + w[2] + w[1] + w[3:]
            text = " ".join(words)
    if "complete sentences" in style or "courteous" in c.description.lower():
        text = text[0].upper() + text[1:]
        if not text.endswith((".", "?", "!")):
            text += "."
    return text
