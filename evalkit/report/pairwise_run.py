"""Attach pairwise-judge results to a comparison (the `--pairwise` flag).

Only orchestration lives here: which transcripts pair up, which judge, one hub for
the CLI. The judging itself (prompt, call, parsing, position swap) is
`evalkit.judging.pairwise`.
"""

from __future__ import annotations

import asyncio

from evalkit.judging.pairwise import Pair, judge_pairs
from evalkit.judging.verdict import Outcome
from evalkit.llm.config import HubConfig
from evalkit.llm.hub import ModelHub
from evalkit.llm.source import ModelSource
from evalkit.report.align import Alignment
from evalkit.report.compare import CompareConfig, Comparison, resolve_sides
from evalkit.report.rundata import ReportError, RunData


def transcript_pairs(a: RunData, b: RunData, align: Alignment) -> list[Pair]:
    """(scenario, trial, transcript_a, transcript_b) for every valid trial both sides ran."""
    mine = {align.trial_key(t): t for t in b.trials if t.outcome != Outcome.invalid}
    out: list[Pair] = []
    for t in a.trials:
        other = mine.get(align.trial_key(t))
        if other is None or t.outcome == Outcome.invalid:
            continue
        ta, tb = a.transcript(t), b.transcript(other)
        if ta is not None and tb is not None:
            out.append((align.label(align.scenario_key(t)), t.trial, ta, tb))
    return out


def default_judge(side: RunData) -> str:
    for row in side.results:
        if row.judge_models:
            return row.judge_models[0]
    raise ReportError("--pairwise: the runs record no judge model; pass --judge-model")


async def add_pairwise_async(
    comp: Comparison, runs: list[RunData | str], cfg: CompareConfig, hub: ModelSource, judge: str | None = None
) -> Comparison:
    """Judge each compared pair head to head and store the summary on `comp.pairs[i].pairwise`."""
    sides, align, _ = resolve_sides(runs, cfg.model_copy(update={"allow_mismatch": True}))
    judge = judge or default_judge(sides[0])
    for pair, side in zip(comp.pairs, sides[1:], strict=True):  # one compared pair per side after the first
        pair.pairwise = await judge_pairs(hub, judge, pair.a, pair.b, transcript_pairs(sides[0], side, align))
    return comp


def add_pairwise(
    comp: Comparison,
    runs: list[RunData | str],
    cfg: CompareConfig,
    judge: str | None,
    hub_config: HubConfig | None = None,
) -> Comparison:
    """Sync entry for the CLI: one hub (keys and base URLs from the environment) for all judge calls."""

    async def go() -> Comparison:
        hub = ModelHub(hub_config or HubConfig())
        try:
            return await add_pairwise_async(comp, runs, cfg, hub, judge)
        finally:
            await hub.aclose()

    return asyncio.run(go())
