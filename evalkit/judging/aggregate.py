"""Sampling and panels: many judge readings of one criterion -> one CriterionScore.

Rules (the judge-noise half of the story; agent noise is across trials):

- Scale criteria aggregate by the mean, binary criteria by majority vote. A
  binary tie is NOT a pass: it aggregates to "no" and is flagged `tie`.
- `spread` is the population standard deviation of the valid raw scores (None
  with fewer than two), so judge noise is visible next to the score.
- With a panel, each judge is first aggregated over its own samples;
  `agreement` is the share of judges that agree with the panel result: the same
  vote for binary, within half a scale point of the panel mean for scales. A
  judge with no valid reading counts as disagreeing.
- The criterion is invalid when more than half of all readings are invalid (or
  none is valid); otherwise invalid readings are dropped and flagged
  `partial_samples`. Reasoning and evidence come from the first valid reading.
"""

from __future__ import annotations

from statistics import mean, pstdev

from evalkit.judging.schema import SampleScore
from evalkit.judging.scoring import criterion_passes, normalise_score
from evalkit.judging.verdict import CriterionScore, Outcome
from evalkit.spec.models import Criterion


def combine(raws: list[float], binary: bool) -> tuple[float, bool]:
    """(aggregate, tie): majority vote for binary, mean for scales."""
    if not binary:
        return mean(raws), False
    yes = sum(1 for r in raws if r >= 0.5)
    return (1.0 if yes * 2 > len(raws) else 0.0), yes * 2 == len(raws)


def panel_agreement(per_judge: list[list[SampleScore]], aggregate: float, binary: bool) -> float | None:
    if len(per_judge) < 2:
        return None
    agreeing = 0
    for readings in per_judge:
        raws = [s.raw for s in readings if s.raw is not None]
        if raws:
            judged, _ = combine(raws, binary)
            agreeing += judged == aggregate if binary else abs(judged - aggregate) <= 0.5
    return agreeing / len(per_judge)


def _flags(readings: list[SampleScore], extra: list[str]) -> list[str]:
    return sorted({f for s in readings for f in s.flags} | set(extra))


def aggregate_criterion(
    criterion: Criterion, per_judge: list[list[SampleScore]], rubric_threshold: float
) -> CriterionScore:
    """Fold every reading of one criterion (per judge, per sample) into its score."""
    readings = [s for judge in per_judge for s in judge]
    valid = [s for s in readings if s.raw is not None]
    base = CriterionScore(
        criterion_id=criterion.id,
        kind="llm",
        outcome=Outcome.invalid,
        weight=criterion.weight,
        must_pass=criterion.must_pass,
        samples=[s.raw for s in readings],
    )
    if not valid or len(valid) * 2 < len(readings):
        first = next((s for s in readings if s.raw is None), None)
        reason = first.invalid_reason if first else "no judge reading"
        if len(readings) > 1:
            reason = f"{len(readings) - len(valid)}/{len(readings)} judge readings invalid; first: {reason}"
        lead = first or (readings[0] if readings else None)
        return base.model_copy(
            update={
                "invalid_reason": reason,
                "flags": _flags(readings, []),
                "reasoning": lead.reasoning if lead else "",
                "evidence": lead.evidence if lead else [],
            }
        )
    binary = criterion.scale == "binary"
    raw, tie = combine([s.raw for s in valid], binary)  # type: ignore[misc]
    score = normalise_score(raw, criterion)
    extra = (["tie"] if tie else []) + (["partial_samples"] if len(valid) < len(readings) else [])
    return base.model_copy(
        update={
            "outcome": Outcome.passed if criterion_passes(score, criterion, rubric_threshold) else Outcome.failed,
            "score": score,
            "raw_score": raw,
            "reasoning": valid[0].reasoning,
            "evidence": valid[0].evidence,
            "flags": _flags(readings, extra),
            "spread": pstdev([s.raw for s in valid]) if len(valid) > 1 else None,  # type: ignore[misc]
            "agreement": panel_agreement(per_judge, raw, binary),
        }
    )


AGGREGATION_RULE: str = (__doc__ or "").split("\n\n", 1)[-1].strip()
