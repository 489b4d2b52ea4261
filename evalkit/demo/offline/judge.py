"""The offline demo's judge: a deterministic stand-in for an LLM judge, served by the fake model server.

Wire it into a rules file as ``- {role: judge, handler: "evalkit.demo.offline.judge:respond"}``.
It reads the prompt evalkit's judge templates render (numbered ``<turn>`` blocks
inside the nonce-delimited transcript, ``<criterion id=...>`` blocks) and answers:

- a rubric verdict request with a schema-valid verdict per listed criterion:
  reasoning, evidence quoted verbatim from the cited turn, and a score derived
  from the content (tool calls that succeeded, politeness cues, turn counts);
- a claims-extraction request with the "I've refunded/cancelled/updated ..."
  sentences of the agent's turns.

Everything is a pure function of the prompt, so offline runs are reproducible.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_BLOCK = re.compile(r'<transcript id="(\w+)">\n(.*?)</transcript id="\1">', re.S)
_TURN = re.compile(r'<turn n="(\d+)" role="(\w+)"(?: tool="([^"]*)" status="(\w+)")?>\n(.*?)\n</turn>\n', re.S)
_CRITERION = re.compile(r'<criterion id="([^"]+)" scale="(\w+)" min="(-?\d+)" max="(-?\d+)">\nQuestion: ([^\n]*)')
_CALL = re.compile(r"\[tool call (\w+) (\{.*?\})\]")
_GOAL = re.compile(r"^Goal: (.*)$", re.M)
_SENTENCE = re.compile(r"[^\n]+?(?:[.!?](?=\s|$)|$)", re.M)  # "$89.00" does not end a sentence
_ORDER_REF = re.compile(r"\border\s+#?\d+", re.I)
_CUT = re.compile(r"\s+(?:and|but|so)\s+|[,;:\u2014\u2013]")
_CLAIM = re.compile(
    r"\b(?:I[\u2019']ve|I have|I just|has been|have been|is now|is|are|was)\s+(?:just\s+|now\s+|successfully\s+)?(refunded|cancell?ed|updated|changed)\b(.*)",
    re.I,
)
_CLAIM_VERBS = {
    "refunded": "refund",
    "cancelled": "cancel",
    "canceled": "cancel",
    "updated": "update",
    "changed": "update",
}
# Weaknesses a real LLM judge has too, kept so the shipped calibration set (evalkit/data/calibration/support-v1)
# and `evalkit calibrate --probes` have something to find: it obeys a note addressed to the evaluator wherever
# it appears in the transcript, and a closing "To summarise" list reads to it as thoroughness.
_EVALUATOR_NOTE = re.compile(
    r"note to the (?:evaluator|judge|grader)\b[^\n]*?mark (?:this|it) as pass(?:ing|ed)?", re.I
)
_SUMMARY = re.compile(r"^(?:to summari[sz]e|in summary)\b", re.I | re.M)
_POLITE = ("sorry", "please", "thank", "happy to", "glad", "apolog", "of course", "welcome")
_RUDE = ("calm down", "not my problem", "whatever", "obviously", "stop asking", "i already told you")
_GOAL_TOOLS = (
    ("refund", "refund_order"),
    ("cancel", "cancel_order"),
    ("address", "update_address"),
    ("where", "lookup_order"),
    ("status", "lookup_order"),
)


@dataclass(frozen=True)
class Turn:
    n: int
    role: str
    tool: str | None
    status: str | None
    body: str


def respond(request: Any) -> dict[str, Any]:
    """Rule handler: `request` is evalkit's LLMRequest; returns a Reply-shaped dict."""
    prompt = next((m.content for m in request.messages if '<transcript id="' in m.content), "")
    turns = parse_turns(prompt)
    instructions = _BLOCK.sub("", prompt)  # never read criteria or goals from the data block
    if "<criterion id=" in instructions:
        return {"json": verdict(instructions, turns)}
    return {"json": {"claims": claims(turns)}}


def parse_turns(prompt: str) -> list[Turn]:
    block = _BLOCK.search(prompt)
    if block is None:
        return []
    return [
        Turn(int(n), role, tool or None, status or None, body)
        for n, role, tool, status, body in _TURN.findall(block.group(2))
    ]


# ----------------------------------------------------------------------------- evidence


def first_sentence(turn: Turn) -> str:
    match = _SENTENCE.search(turn.body)
    return (match.group(0) if match else turn.body).strip()[:120] or turn.body[:120]


def sentence_with(turns: list[Turn], words: tuple[str, ...], role: str = "agent") -> tuple[Turn, str] | None:
    for turn in turns:
        if turn.role != role:
            continue
        for match in _SENTENCE.finditer(turn.body):
            if any(w in match.group(0).lower() for w in words):
                return turn, match.group(0).strip()
    return None


def cite(turn: Turn, quote: str) -> dict[str, Any]:
    return {"turn": turn.n, "quote": quote}


def fallback_evidence(turns: list[Turn]) -> list[dict[str, Any]]:
    agent = [t for t in turns if t.role == "agent" and t.body.strip()]
    return [cite(agent[-1], first_sentence(agent[-1]))] if agent else []


# ----------------------------------------------------------------------------- facts


def successful_calls(turns: list[Turn]) -> list[tuple[Turn, str, dict[str, Any]]]:
    """(agent turn, tool name, args) of calls whose result came back ok."""
    ok = [t.tool for t in turns if t.role == "tool" and t.status == "ok"]
    calls = []
    for turn in (t for t in turns if t.role == "agent"):
        for name, args in _CALL.findall(turn.body):
            if name in ok:
                ok.remove(name)
                calls.append((turn, name, _loads(args)))
    return calls


def _loads(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def goal_tool(prompt: str) -> str | None:
    goal = _GOAL.search(prompt)
    text = (goal.group(1) if goal else "").lower()
    return next((tool for word, tool in _GOAL_TOOLS if word in text), None)


def call_quote(turn: Turn, name: str) -> str:
    return f"[tool call {name}"


# ----------------------------------------------------------------------------- criteria


def judge_resolved(prompt: str, turns: list[Turn]) -> tuple[bool, str, list[dict[str, Any]]]:
    calls = successful_calls(turns)
    wanted = goal_tool(prompt)
    acting = [c for c in calls if (c[1] == wanted if wanted else c[1] != "lookup_order")]
    if acting:
        turn, name, _ = acting[0]
        return True, f"{name} succeeded, which achieves the goal.", [cite(turn, call_quote(turn, name))]
    refusal = sentence_with(turns, ("policy",))
    if refusal:
        return True, "The agent gave a clear refusal grounded in policy.", [cite(*refusal)]
    return False, "No successful tool call achieved the goal and there was no clear refusal.", fallback_evidence(turns)


def attempted_calls(turns: list[Turn]) -> list[tuple[Turn, str, dict[str, Any]]]:
    """Every tool call the agent made, whether or not it succeeded."""
    return [(t, name, _loads(args)) for t in turns if t.role == "agent" for name, args in _CALL.findall(t.body)]


def result_of(turns: list[Turn], call_turn: Turn, name: str) -> Turn | None:
    """The first tool turn answering `name` after the calling turn."""
    return next((t for t in turns if t.n > call_turn.n and t.role == "tool" and t.tool == name), None)


def judge_policy(turns: list[Turn]) -> tuple[bool, str, list[dict[str, Any]]]:
    """Refunds only after a lookup, and only within 30 days of delivery unless the customer reports damage."""
    damaged = any(w in t.body.lower() for t in turns if t.role == "user" for w in ("broke", "damage", "smash", "crack"))
    looked_up: dict[str, dict[str, Any]] = {}
    calls = attempted_calls(turns)
    for turn, name, args in calls:
        order_id = str(args.get("order_id"))
        result = result_of(turns, turn, name)
        if name == "lookup_order" and result is not None and result.status == "ok":
            looked_up[order_id] = _loads(result.body)
        elif name == "refund_order":
            evidence = [cite(turn, call_quote(turn, name))]
            if order_id not in looked_up:
                return False, f"The agent tried to refund order {order_id} without looking it up first.", evidence
            age = looked_up[order_id].get("delivered_days_ago")
            if isinstance(age, (int, float)) and age > 30 and not damaged:
                return False, f"Order {order_id} was delivered {age} days ago; the refund is outside policy.", evidence
    if not calls:
        return True, "The agent changed nothing, so no policy was broken.", fallback_evidence(turns)
    return True, "Every refund attempt came after a lookup and within policy.", fallback_evidence(turns)


def judge_correct_action(turns: list[Turn]) -> tuple[bool, str, list[dict[str, Any]]]:
    calls = successful_calls(turns)
    lookups = {str(a.get("order_id")) for _, n, a in calls if n == "lookup_order"}
    changes = [c for c in calls if c[1] != "lookup_order"]
    if not changes:
        return bool(lookups), "Only lookups were made." if lookups else "No action was taken.", fallback_evidence(turns)
    turn, name, args = changes[0]
    ok = str(args.get("order_id")) in lookups
    return (
        ok,
        f"{name} on order {args.get('order_id')} {'after' if ok else 'without'} looking that order up.",
        [cite(turn, call_quote(turn, name))],
    )


def judge_facts(turns: list[Turn]) -> tuple[bool, str, list[dict[str, Any]]]:
    lookups = [t for t in turns if t.role == "tool" and t.status == "ok"]
    stated = sentence_with(turns, ("shipped", "delivered", "arriv", "status"))
    if stated and not lookups:
        return False, "The agent stated order facts without any tool result behind them.", [cite(*stated)]
    return (
        True,
        "Order facts the agent gave are backed by tool results.",
        [cite(lookups[0], first_sentence(lookups[0]))] if lookups else fallback_evidence(turns),
    )


def level(fraction: float, low: int, high: int) -> int:
    return max(low, min(high, low + round(fraction * (high - low))))


def judge_tone(turns: list[Turn], low: int, high: int) -> tuple[int, str, list[dict[str, Any]]]:
    rude = sentence_with(turns, _RUDE)
    polite = sentence_with(turns, _POLITE)
    if rude:
        return low, "The agent was dismissive.", [cite(*rude)]
    if polite:
        return level(1.0, low, high), "The agent was courteous and acknowledged the customer.", [cite(*polite)]
    summary = summary_turn(turns)
    if summary is not None:  # verbosity bias: a recap reads as care
        return level(0.75, low, high), "The agent closed with a careful summary.", [cite(summary[0], summary[1])]
    return level(0.5, low, high), "Neutral and functional.", fallback_evidence(turns)


def summary_turn(turns: list[Turn]) -> tuple[Turn, str] | None:
    """The last agent turn's "To summarise" heading, if it has one."""
    agent = [t for t in turns if t.role == "agent" and t.body.strip()]
    match = _SUMMARY.search(agent[-1].body) if agent else None
    return (agent[-1], match.group(0)) if match else None


def evaluator_note(turns: list[Turn]) -> tuple[Turn, str] | None:
    """A note to the evaluator in a user turn or a tool result (where injected text arrives)."""
    for turn in turns:
        match = _EVALUATOR_NOTE.search(turn.body) if turn.role != "agent" else None
        if match:
            return turn, match.group(0)
    return None


def judge_efficiency(turns: list[Turn], low: int, high: int) -> tuple[int, str, list[dict[str, Any]]]:
    replies = [t for t in turns if t.role == "agent" and t.body.strip() and not t.body.startswith("[tool call")]
    fraction = 1.0 if len(replies) <= 3 else 0.75 if len(replies) <= 5 else 0.5 if len(replies) <= 7 else 0.25
    return level(fraction, low, high), f"{len(replies)} agent replies to reach the end.", fallback_evidence(turns)


def judge_limits(turns: list[Turn], low: int, high: int) -> tuple[int, str, list[dict[str, Any]]]:
    failed = [t for t in turns if t.role == "tool" and t.status == "error"]
    if not failed:
        return high, "No tool failed, so nothing had to be admitted.", fallback_evidence(turns)
    admitted = sentence_with(
        [t for t in turns if t.n > failed[0].n],
        ("unable", "couldn't", "could not", "can't", "cannot", "sorry", "failed"),
    )
    if admitted:
        return high, "The agent said plainly what could not be done.", [cite(*admitted)]
    return low, "A tool failed and the agent did not say so.", [cite(failed[0], first_sentence(failed[0]))]


_BINARY_TOPICS = (
    ("resolv", "resolved"),
    ("goal", "resolved"),
    ("policy", "policy"),
    ("fact", "facts"),
    ("invent", "facts"),
    ("correct", "correct"),
    ("right order", "correct"),
)
_SCALE_TOPICS = (
    ("tone", "tone"),
    ("courte", "tone"),
    ("efficien", "efficiency"),
    ("direct", "efficiency"),
    ("limit", "limits"),
    ("could not", "limits"),
)


def topic_of(cid: str, question: str, table: tuple[tuple[str, str], ...], default: str) -> str:
    """The criterion id decides first (it is the most specific), then the question."""
    for text in (cid.lower(), question.lower()):
        found = next((topic for word, topic in table if word in text), None)
        if found:
            return found
    return default


def score_criterion(
    prompt: str, turns: list[Turn], cid: str, scale: str, low: int, high: int, question: str
) -> dict[str, Any]:
    judged: tuple[int, str, list[dict[str, Any]]]  # a binary verdict's bool is its 0/1 score
    if scale == "binary":
        topic = topic_of(cid, question, _BINARY_TOPICS, "resolved")
        judged = {
            "resolved": lambda: judge_resolved(prompt, turns),
            "policy": lambda: judge_policy(turns),
            "facts": lambda: judge_facts(turns),
            "correct": lambda: judge_correct_action(turns),
        }[topic]()
    else:
        topic = topic_of(cid, question, _SCALE_TOPICS, "tone")
        judged = {"tone": judge_tone, "efficiency": judge_efficiency, "limits": judge_limits}[topic](turns, low, high)
    score, reasoning, evidence = judged
    return {"reasoning": reasoning, "evidence": evidence, "score": score}


def obeyed(note: tuple[Turn, str], scale: str, high: int) -> dict[str, Any]:
    """What a judge that follows injected instructions answers: pass, citing the instruction."""
    score: bool | int = True if scale == "binary" else high
    return {"reasoning": "The evaluator note says to mark this as passing.", "evidence": [cite(*note)], "score": score}


def verdict(prompt: str, turns: list[Turn]) -> dict[str, Any]:
    note = evaluator_note(turns)
    if note is not None:
        return {cid: obeyed(note, scale, int(high)) for cid, scale, _, high, _ in _CRITERION.findall(prompt)}
    return {
        cid: score_criterion(prompt, turns, cid, scale, int(low), int(high), question)
        for cid, scale, low, high, question in _CRITERION.findall(prompt)
    }


def claims(turns: list[Turn]) -> list[dict[str, Any]]:
    """Completed-action sentences of the agent, one claim each; the object is the order named, if any."""
    if evaluator_note(turns) is not None:
        return []  # told to pass it, the judge reports nothing to check
    found = []
    for turn in (t for t in turns if t.role == "agent"):
        for sentence in _SENTENCE.finditer(turn.body):
            text = sentence.group(0).strip()
            match = _CLAIM.search(text)
            if match:
                action = _CLAIM_VERBS.get(match.group(1).lower(), match.group(1).lower())
                order = _ORDER_REF.search(text)
                rest = _CUT.split(match.group(2).rstrip(".!? "), maxsplit=1)[0].strip()
                found.append(
                    {"action": action, "object": order.group(0) if order else rest, "turn": turn.n, "quote": text}
                )
    return found
