"""Pairwise judging: the judge compares two transcripts of the same scenario and trial head to head.

Each pair is asked in both orders. A side wins only when both orders name it;
any disagreement (or a tie) is a tie, and the share of pairs where the two
orders agree is the judge's position-consistency rate. A judge failure makes
the pair invalid: it is counted apart, never as a win or a tie.

Used by `evalkit compare --pairwise` (which only chooses the pairs and shows the
summary) and by calibration's position probe, so both read the same judge.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from pydantic import BaseModel, Field

from evalkit.conversation.transcript import Transcript
from evalkit.judging.render import builtin_template, render_prompt
from evalkit.llm.source import ModelSource
from evalkit.llm.types import CallTag, GenerateConfig, Message, ModelError, ModelResponse

Winner = Literal["first", "second", "tie"]
PAIRWISE_TEMPLATE = "judge/pairwise.j2"

Pair = tuple[str, int, Transcript, Transcript]  # scenario label, trial, transcript a, transcript b
Answer = tuple[Winner | None, str | None]  # (winner, error) of one ordering


class PairwiseAnswer(BaseModel):
    """What the judge returns for one ordering."""

    winner: Winner
    reasoning: str = ""


class PairVerdict(BaseModel):
    scenario: str
    trial: int
    ab: str | None  # winner asked with a first: "a" | "b" | "tie" | None (judge failed)
    ba: str | None  # winner asked with b first, mapped back to "a" | "b" | "tie"
    result: Literal["a", "b", "tie", "invalid"]
    consistent: bool | None
    error: str | None = None  # why the judge gave no usable answer


class PairwiseSummary(BaseModel):
    judge_model: str
    a: str
    b: str
    n_pairs: int = 0
    wins_a: int = 0
    wins_b: int = 0
    ties: int = 0
    invalid: int = 0
    position_consistency: float | None = None  # share of valid pairs whose two orders agree
    pairs: list[PairVerdict] = Field(default_factory=list)
    text: str = ""


def pairwise_prompt(scenario: str, first: Transcript, second: Transcript) -> list[Message]:
    """The prompt with each transcript in its own nonce-delimited block (the judging module's escaping)."""
    block = render_prompt("{{ transcript }}", second, salt="pairwise-second", extra={}).user
    return render_prompt(
        builtin_template(PAIRWISE_TEMPLATE),
        first,
        salt="pairwise-first",
        extra={"second": block.strip(), "scenario": scenario},
    ).messages()


async def ask_once(hub: ModelSource, judge: str, scenario: str, first: Transcript, second: Transcript) -> Answer:
    """One ordering: the judge's winner, or why it gave none (a model error or an unparseable reply)."""
    tag = CallTag(role="judge", scenario_id=scenario)
    try:
        reply = await hub.model(judge).generate(
            pairwise_prompt(scenario, first, second),
            output_schema=PairwiseAnswer,
            config=GenerateConfig(temperature=0, tag=tag),
        )
    except ModelError as err:
        return None, str(err).splitlines()[0][:200]
    if isinstance(reply, ModelResponse) and isinstance(reply.parsed, PairwiseAnswer):
        return reply.parsed.winner, None
    return None, f"unparseable judge output: {getattr(reply, 'error', '')}"[:200]


Side = Literal["a", "b", "tie"]
_AS_A_B: dict[str, Side] = {"first": "a", "second": "b", "tie": "tie"}  # the first ordering showed a first
_AS_B_A: dict[str, Side] = {"first": "b", "second": "a", "tie": "tie"}  # the second ordering showed b first


def combine(scenario: str, trial: int, ab: Answer, ba: Answer) -> PairVerdict:
    """Both orderings of one pair -> its verdict: a win needs both orders to agree; a failed order makes it invalid."""
    first_order = _AS_A_B.get(ab[0] or "")
    second_order = _AS_B_A.get(ba[0] or "")
    if first_order is None or second_order is None:
        return PairVerdict(
            scenario=scenario,
            trial=trial,
            ab=first_order,
            ba=second_order,
            result="invalid",
            consistent=None,
            error=ab[1] or ba[1],
        )
    agree = first_order == second_order
    result: Side = first_order if agree else "tie"
    return PairVerdict(scenario=scenario, trial=trial, ab=first_order, ba=second_order, result=result, consistent=agree)


async def judge_pairs(hub: ModelSource, judge: str, a: str, b: str, pairs: list[Pair]) -> PairwiseSummary:
    """Judge every (scenario, trial, transcript_a, transcript_b) in both orders, concurrently."""

    async def one(scenario: str, trial: int, ta: Transcript, tb: Transcript) -> PairVerdict:
        ab, ba = await asyncio.gather(ask_once(hub, judge, scenario, ta, tb), ask_once(hub, judge, scenario, tb, ta))
        return combine(scenario, trial, ab, ba)

    verdicts = await asyncio.gather(*(one(*p) for p in pairs))
    return summarise(judge, a, b, list(verdicts))


def summarise(judge: str, a: str, b: str, verdicts: list[PairVerdict]) -> PairwiseSummary:
    """Counts, position consistency and the one-line text `compare` prints."""
    s = PairwiseSummary(judge_model=judge, a=a, b=b, n_pairs=len(verdicts), pairs=verdicts)
    s.wins_a = sum(v.result == "a" for v in verdicts)
    s.wins_b = sum(v.result == "b" for v in verdicts)
    s.ties = sum(v.result == "tie" for v in verdicts)
    s.invalid = sum(v.result == "invalid" for v in verdicts)
    valid = [v for v in verdicts if v.consistent is not None]
    s.position_consistency = sum(bool(v.consistent) for v in valid) / len(valid) if valid else None
    consistency = "n/a" if s.position_consistency is None else f"{s.position_consistency:.0%}"
    first_error = next((v.error for v in verdicts if v.error), None)
    s.text = (
        f"{judge}: {b} wins {s.wins_b}, {a} wins {s.wins_a}, ties {s.ties}"
        f"{f', invalid {s.invalid}' if s.invalid else ''} over {s.n_pairs} pairs "
        f"(a win needs both orders to agree); position consistency {consistency}"
        f"{f'; first judge error: {first_error}' if first_error else ''}"
    )
    return s


__all__ = [
    "PAIRWISE_TEMPLATE",
    "PairVerdict",
    "PairwiseAnswer",
    "PairwiseSummary",
    "combine",
    "judge_pairs",
    "pairwise_prompt",
    "summarise",
]
