"""The routing hint: which scenarios (and tags) can go to the cheaper tier, and what that saves.

Savings assume every scenario gets an equal share of traffic and count the
agent's cost only (what production pays); they are per 1,000 sessions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from evalkit.report.compare import Scorecard

PER = 1000


class RoutingHint(BaseModel):
    candidate_is_b: bool
    scenarios: list[str] = Field(default_factory=list)  # non-inferior: route to the candidate
    tags: list[str] = Field(default_factory=list)  # every scenario with the tag is non-inferior
    saving_per_1000: float | None = None  # routing just those scenarios
    saving_all_per_1000: float | None = None  # routing everything, when overall non-inferior
    text: str = ""


def _saving(card: Scorecard, candidate_is_b: bool) -> float | None:
    a, b = card.a.agent_cost_per_session, card.b.agent_cost_per_session
    if a is None or b is None:
        return None
    return (a - b) if candidate_is_b else (b - a)


def routing_hint(overall: Scorecard, scenarios: list[Scorecard], candidate_is_b: bool) -> RoutingHint:
    """Summarise per-scenario non-inferiority verdicts as a routing suggestion."""
    ok = [s for s in scenarios if s.verdict == "non_inferior"]
    tags = sorted({tag for s in scenarios for tag in s.tags})
    routable_tags = [t for t in tags if all(s.verdict == "non_inferior" for s in scenarios if t in s.tags)]
    savings = [_saving(s, candidate_is_b) for s in ok]
    known = [v for v in savings if v is not None]
    saving = None if len(known) < len(savings) or not scenarios else PER * sum(known) / len(scenarios)
    hint = RoutingHint(
        candidate_is_b=candidate_is_b, scenarios=[s.scenario for s in ok], tags=routable_tags, saving_per_1000=saving
    )
    if overall.verdict == "non_inferior":
        total = _saving(overall, candidate_is_b)
        hint.saving_all_per_1000 = None if total is None else PER * total
    cand = overall.b.label if candidate_is_b else overall.a.label
    hint.text = _text(hint, cand, len(scenarios), overall.verdict)
    return hint


def _text(hint: RoutingHint, candidate: str, n: int, overall: str) -> str:
    parts = []
    if hint.scenarios:
        money = "unknown (a price is missing)" if hint.saving_per_1000 is None else f"${hint.saving_per_1000:.2f}"
        tags = f" (tags: {', '.join(hint.tags)})" if hint.tags else ""
        parts.append(
            f"Route {len(hint.scenarios)} of {n} scenarios to {candidate}{tags}; saves {money} per 1,000 sessions."
        )
    if overall == "non_inferior":
        money = "an unknown amount" if hint.saving_all_per_1000 is None else f"${hint.saving_all_per_1000:.2f}"
        parts.append(f"Overall {candidate} is non-inferior: routing everything saves {money} per 1,000 sessions.")
        if not hint.scenarios:
            parts.append("No single scenario has enough trials to show it on its own.")
    if not parts:
        parts.append(
            f"Keep everything on the current tier: {candidate} is not shown non-inferior "
            f"overall ({overall}) or in any scenario."
        )
    return " ".join(parts)
