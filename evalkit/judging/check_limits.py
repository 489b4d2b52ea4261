"""Checks on size and spend: max_turns and budget (agent tokens, agent cost, slowest agent turn); registered here."""

from __future__ import annotations

from evalkit.conversation.transcript import Transcript
from evalkit.judging.check_api import CheckContext, register_check
from evalkit.judging.check_common import Finding
from evalkit.spec.checks import BudgetSpec, TurnLimit


def conversation_turns(transcript: Transcript) -> int:
    """Conversation turns (a user message and the agent's reply share one), as `Transcript.turns` counts them;
    the number of user messages when turns were not numbered."""
    return transcript.turns or sum(1 for m in transcript.messages if m.role == "user")


@register_check(
    "max_turns",
    doc="Passes when the conversation took at most N turns (a user message and its reply are one).",
    spec=TurnLimit,
)
def check_max_turns(limit: int, ctx: CheckContext) -> Finding:
    turns = conversation_turns(ctx.transcript)
    return Finding(passed=turns <= limit, reasoning=f"{turns} conversation turn(s), limit {limit}")


@register_check(
    "budget", doc="Passes when the agent's tokens, cost and slowest turn stay within the limits set.", spec=BudgetSpec
)
def check_budget(spec: BudgetSpec, ctx: CheckContext) -> Finding:
    """Every limit that is set must hold; an unknown agent cost cannot satisfy a cost limit (invalid)."""
    transcript = ctx.transcript
    agent = transcript.usage_by_role.get("agent")
    tokens = (agent.usage.input_tokens + agent.usage.output_tokens) if agent else 0
    cost = agent.cost_usd if agent else 0.0
    latencies = [m.latency_s for m in transcript.messages if m.role == "assistant" and m.latency_s is not None]
    over, seen = [], []
    if spec.max_tokens is not None:
        seen.append(f"{tokens} agent tokens (max {spec.max_tokens})")
        if tokens > spec.max_tokens:
            over.append("tokens")
    if spec.max_cost_usd is not None:
        if cost is None:
            return Finding(
                passed=None, reasoning="agent cost is unknown (no price for the model), cannot check max_cost_usd"
            )
        seen.append(f"${cost:.4f} agent cost (max ${spec.max_cost_usd})")
        if cost > spec.max_cost_usd:
            over.append("cost")
    if spec.max_latency_s is not None:
        slowest = max(latencies, default=0.0)
        seen.append(f"slowest agent turn {slowest:.2f}s (max {spec.max_latency_s}s)")
        if slowest > spec.max_latency_s:
            over.append("latency")
    summary = "; ".join(seen)
    if over:
        return Finding(passed=False, reasoning=f"over budget on {', '.join(over)}: {summary}")
    return Finding(passed=True, reasoning=f"within budget: {summary}")
