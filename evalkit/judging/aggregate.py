"""Sampling and panels: many judge readings of one criterion -> one CriterionScore.

Rules (the judge-noise half of the story; agent noise is across trials):

- Each judge is first aggregated over its own samples, then the panel over its
  judges: a judge's vote is the majority of its samples (binary) or their mean
  (scale); the criterion is the majority of judge votes, or the mean of judge
  means. One judge that says "yes" three times is one vote, not three.
- A binary tie is NOT a pass: it aggregates to "no" and is flagged `tie`. A tie
  that exists only because some readings (or judges) were invalid makes that
  judge (or the criterion) invalid instead: the missing votes could have
  broken it either way.
- A judge is invalid when more than half of its readings are invalid (or none
  is valid); the criterion is invalid when more than half of its judges are
  invalid (or none is valid). Otherwise invalid readings and judges are
  dropped and the criterion is flagged `partial_samples`.
- `spread` is the population standard deviation of all valid raw readings
  (None with fewer than two), so judge noise is visible next to the score.
- With a panel, `agreement` is the share of judges whose own vote agrees with
  the panel result: the same vote for binary, within half a scale point of the
  panel mean for scales. A judge without a valid vote counts as disagreeing.
- Reasoning and evidence come from the first valid reading that agrees with
  the result (binary), else the first valid reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import mean, pstdev

from evalkit.judging.schema import SampleScore
from evalkit.judging.scoring import criterion_passes, normalise_score
from evalkit.judging.verdict import CriterionScore, Outcome
from evalkit.spec.models import Criterion


@dataclass(frozen=True)
class Vote:
    """One aggregation level's result: `raw` None means invalid, with `reason`."""

    raw: float | None
    tie: bool = False
    reason: str | None = None


def combine(raws: list[float], binary: bool) -> tuple[float, bool]:
    """(aggregate, tie): majority vote for binary, mean for scales."""
    if not binary:
        return mean(raws), False
    yes = sum(1 for r in raws if r >= 0.5)
    return (1.0 if yes * 2 > len(raws) else 0.0), yes * 2 == len(raws)


def fold(votes: list[Vote], binary: bool, unit: str) -> Vote:
    """Combine the votes of one level (a judge's readings, or a panel's judges) by the rules above."""
    valid = [v.raw for v in votes if v.raw is not None]
    bad = len(votes) - len(valid)
    first = next((v.reason for v in votes if v.raw is None), None) or f"no {unit}"
    if len(votes) == 1 and bad:
        return Vote(None, reason=first)
    if not valid or len(valid) * 2 < len(votes):
        return Vote(None, reason=f"{bad}/{len(votes)} {unit} invalid; first: {first}")
    raw, tie = combine(valid, binary)
    if tie and bad:
        return Vote(
            None, reason=f"tie among the valid {unit} only because {bad}/{len(votes)} were invalid; first: {first}"
        )
    return Vote(raw, tie=tie or any(v.tie for v in votes if v.raw is not None))


def judge_votes(per_judge: list[list[SampleScore]], binary: bool) -> list[Vote]:
    """Each judge folded over its own samples."""
    return [
        fold([Vote(s.raw, reason=s.invalid_reason) for s in readings], binary, "judge readings")
        for readings in per_judge
    ]


def panel_agreement(votes: list[Vote], aggregate: float, binary: bool) -> float | None:
    if len(votes) < 2:
        return None
    agreeing = sum(
        v.raw is not None and (v.raw == aggregate if binary else abs(v.raw - aggregate) <= 0.5) for v in votes
    )
    return agreeing / len(votes)


def _flags(readings: list[SampleScore], extra: list[str]) -> list[str]:
    return sorted({f for s in readings for f in s.flags} | set(extra))


def _lead(readings: list[SampleScore], raw: float, binary: bool) -> SampleScore:
    valid = [s for s in readings if s.raw is not None]
    agreeing = [s for s in valid if binary and s.raw is not None and (s.raw >= 0.5) == (raw >= 0.5)]
    return (agreeing or valid)[0]


def aggregate_criterion(
    criterion: Criterion, per_judge: list[list[SampleScore]], rubric_threshold: float
) -> CriterionScore:
    """Fold every reading of one criterion (per judge, per sample) into its score."""
    binary = criterion.scale == "binary"
    readings = [s for judge in per_judge for s in judge]
    votes = judge_votes(per_judge, binary)
    result = votes[0] if len(votes) == 1 else fold(votes, binary, "judges")
    base = CriterionScore(
        criterion_id=criterion.id,
        kind="llm",
        outcome=Outcome.invalid,
        weight=criterion.weight,
        must_pass=criterion.must_pass,
        samples=[s.raw for s in readings],
    )
    if result.raw is None:
        lead = next((s for s in readings if s.raw is None), readings[0] if readings else None)
        return base.model_copy(
            update={
                "invalid_reason": result.reason if readings else "no judge reading",
                "flags": _flags(readings, []),
                "reasoning": lead.reasoning if lead else "",
                "evidence": lead.evidence if lead else [],
            }
        )
    raw, valid = result.raw, [s.raw for s in readings if s.raw is not None]
    score = normalise_score(raw, criterion)
    lead = _lead(readings, raw, binary)
    extra = (["tie"] if result.tie else []) + (["partial_samples"] if len(valid) < len(readings) else [])
    return base.model_copy(
        update={
            "outcome": Outcome.passed if criterion_passes(score, criterion, rubric_threshold) else Outcome.failed,
            "score": score,
            "raw_score": raw,
            "reasoning": lead.reasoning,
            "evidence": lead.evidence,
            "flags": _flags(readings, extra),
            "spread": pstdev(valid) if len(valid) > 1 else None,
            "agreement": panel_agreement(votes, raw, binary),
        }
    )


AGGREGATION_RULE: str = (__doc__ or "").split("\n\n", 1)[-1].strip()
