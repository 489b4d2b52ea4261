"""Judge noise apart from agent noise in a run: the judge's share of within-scenario variance, per criterion.

Every LLM criterion row of results.jsonl carries the judge's readings (`samples`,
one raw score per judge sample and panel judge). Where the judge took
`samples` >= 2, those readings of one trial differ only by the judge, and the
trials of one scenario and tier differ by the agent as well, so
`evalkit.stats.variance_share` separates the two and says whether more judge
samples or more trials would narrow the interval. A scenario's tiers are
separate cells: different agents are not noise about one mean.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from evalkit.report.rundata import RunData
from evalkit.stats.variance_share import VarianceShare, VarianceShareConfig, variance_share
from evalkit.verdicts.rows import CHECKS_REF, ResultRow

CellReadings = dict[str, list[list[float]]]  # "suite/scenario[tier]" -> readings of each trial


@dataclass(frozen=True)
class NoiseRow:
    """One criterion's variance split, as the report shows it."""

    rubric_ref: str
    criterion_id: str
    samples: int  # the judge's samples per reading (judge_params.samples; the largest if suites differ)
    trials: int  # trials with a valid reading
    cells: int  # scenario x tier cells
    share: VarianceShare


def judge_samples(row: ResultRow) -> int:
    """The judge's `samples` for this row (1 when the row does not record it)."""
    value = row.judge_params.get("samples")
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 1


def sampled_readings(results: list[ResultRow]) -> dict[tuple[str, str], CellReadings]:
    """(rubric_ref, criterion) -> cell -> valid readings per trial, for rows judged with samples >= 2.

    An invalid criterion has no score, so its readings are left out, as its trial is left out of pass rates.
    """
    found: dict[tuple[str, str], CellReadings] = defaultdict(lambda: defaultdict(list))
    for row in results:
        if row.rubric_ref == CHECKS_REF or row.kind != "llm" or row.outcome == "invalid" or judge_samples(row) < 2:
            continue
        values = [float(s) for s in row.samples if s is not None]
        if values:
            found[(row.rubric_ref, row.criterion_id)][f"{row.suite}/{row.scenario_id}[{row.tier}]"].append(values)
    return {key: {cell: cells[cell] for cell in sorted(cells)} for key, cells in sorted(found.items())}


def judge_noise(run: RunData, config: VarianceShareConfig = VarianceShareConfig()) -> list[NoiseRow]:
    """One row per judged criterion with samples >= 2; empty (no section) when the judge took one sample."""
    samples: dict[tuple[str, str], int] = defaultdict(int)
    for row in run.results:
        key = (row.rubric_ref, row.criterion_id)
        samples[key] = max(samples[key], judge_samples(row))
    return [
        NoiseRow(
            rubric_ref=ref,
            criterion_id=cid,
            samples=samples[(ref, cid)],
            trials=sum(len(t) for t in cells.values()),
            cells=len(cells),
            share=variance_share(cells, config),
        )
        for (ref, cid), cells in sampled_readings(run.results).items()
    ]
