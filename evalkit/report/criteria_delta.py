"""Per-criterion differences between two sides: which rubric criterion moved.

Criterion scores are averaged per scenario first, then paired by scenario
(paired bootstrap, b - a), like the overall score.
"""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel

from evalkit.judging.verdict import Outcome
from evalkit.report.align import Alignment
from evalkit.report.rundata import RunData
from evalkit.stats import DiffEstimate, paired_bootstrap_diff

Scores = dict[tuple[str, str], dict[str, list[float]]]  # (rubric_ref, criterion) -> scenario -> scores


class CriterionDelta(BaseModel):
    rubric_ref: str
    criterion_id: str
    kind: str
    fail_rate_a: float | None  # share of valid scorings that failed
    fail_rate_b: float | None
    diff: DiffEstimate  # mean score, b - a


def _scores(side: RunData, align: Alignment, keys: set[str]) -> tuple[Scores, dict[tuple[str, str], list[bool]], dict]:
    scores: Scores = defaultdict(lambda: defaultdict(list))
    fails: dict[tuple[str, str], list[bool]] = defaultdict(list)
    kinds: dict[tuple[str, str], str] = {}
    for row in side.results:
        scenario = "/".join(align.scenario_key(row))  # type: ignore[arg-type]  # rows carry suite/scenario/tier too
        if scenario not in keys or row.outcome == Outcome.invalid or row.score is None:
            continue
        crit = (row.rubric_ref, row.criterion_id)
        scores[crit][scenario].append(row.score)
        fails[crit].append(row.outcome == Outcome.failed)
        kinds[crit] = row.kind
    return scores, fails, kinds


def criterion_deltas(
    a: RunData, b: RunData, align: Alignment, keys: set[str], confidence: float, n_resamples: int, seed: int
) -> list[CriterionDelta]:
    """One row per criterion both sides scored, over the shared scenarios `keys` ("/"-joined scenario keys)."""
    sa, fa, kinds = _scores(a, align, keys)
    sb, fb, _ = _scores(b, align, keys)
    out = []
    for crit in [c for c in sa if c in sb]:
        out.append(
            CriterionDelta(
                rubric_ref=crit[0],
                criterion_id=crit[1],
                kind=kinds[crit],
                fail_rate_a=sum(fa[crit]) / len(fa[crit]) if fa[crit] else None,
                fail_rate_b=sum(fb[crit]) / len(fb[crit]) if fb[crit] else None,
                diff=paired_bootstrap_diff(sa[crit], sb[crit], confidence, n_resamples, seed),
            )
        )
    return out
