"""Score arithmetic: from criterion scores to a rubric outcome.

The rule (also exported as `SCORING_RULE` so the README can quote it verbatim):

1. Each criterion is normalised to [0, 1]: binary no/yes -> 0/1; a scale
   criterion x on min..max -> (x - min) / (max - min).
2. A criterion passes when its normalised score reaches its own `threshold`
   (if set), else: binary must be yes; a scale must reach the rubric threshold.
3. The rubric is INVALID when any `must_pass` criterion or any criterion with
   its own `threshold` is invalid (its gate cannot be checked), when the
   invalid criteria carry more than `max_invalid_weight` of the total weight,
   or when no criterion is valid. Invalid criteria never contribute a number.
4. Otherwise the rubric score is the weighted mean of the valid criteria, and
   the rubric PASSES when the score is >= `threshold`, every `must_pass`
   criterion passes, and every criterion with its own `threshold` passes;
   else it FAILS.
5. Whatever the outcome, the ids of the invalid criteria are listed in
   `invalid_criteria`, so a score over fewer criteria is never silent.
"""

from __future__ import annotations

from pydantic import BaseModel

from evalkit.judging.verdict import CriterionScore, Outcome
from evalkit.spec.models import Criterion, Rubric

SCORING_RULE: str = (__doc__ or "").split("quote it verbatim):", 1)[-1].strip()


class RubricScore(BaseModel):
    outcome: Outcome
    score: float | None
    invalid_reason: str | None = None
    fail_reasons: list[str] = []
    invalid_criteria: list[str] = []  # rule 5: ids of the criteria that came back invalid


def scale_bounds(criterion: Criterion) -> tuple[int, int]:
    """(min, max) of the criterion's scale; binary is 0..1."""
    return (0, 1) if criterion.scale == "binary" else (criterion.scale.min, criterion.scale.max)


def normalise_score(raw: float, criterion: Criterion) -> float:
    """Map a raw score on the criterion's scale to [0, 1]."""
    low, high = scale_bounds(criterion)
    return (float(raw) - low) / (high - low)


def criterion_passes(normalised: float, criterion: Criterion, rubric_threshold: float) -> bool:
    """Rule 2 of the module docstring."""
    if criterion.threshold is not None:
        return normalised >= criterion.threshold
    if criterion.scale == "binary":
        return normalised >= 1.0
    return normalised >= rubric_threshold


def _gated(score: CriterionScore, by_id: dict[str, Criterion]) -> str | None:
    """ "must_pass" / "thresholded" when the criterion gates the rubric on its own, else None."""
    criterion = by_id.get(score.criterion_id)
    if score.must_pass:
        return "must_pass"
    return "thresholded" if criterion is not None and criterion.threshold is not None else None


def score_rubric(scores: list[CriterionScore], rubric: Rubric) -> RubricScore:
    """Apply rules 3 to 5 to the rubric's criterion scores."""
    by_id = {c.id: c for c in rubric.criteria}
    invalid = [s for s in scores if s.outcome == Outcome.invalid]
    listed = [s.criterion_id for s in invalid]
    gated_invalid = [(s, label) for s in invalid if (label := _gated(s, by_id))]
    if gated_invalid:
        s, label = gated_invalid[0]
        return RubricScore(
            outcome=Outcome.invalid,
            score=None,
            invalid_reason=f"{label} criterion '{s.criterion_id}' is invalid: {s.invalid_reason}",
            invalid_criteria=listed,
        )
    total = sum(s.weight for s in scores)
    invalid_share = sum(s.weight for s in invalid) / total if total else 1.0
    if invalid_share > rubric.max_invalid_weight or len(invalid) == len(scores):
        names = ", ".join(f"{s.criterion_id} ({s.invalid_reason})" for s in invalid)
        return RubricScore(
            outcome=Outcome.invalid,
            score=None,
            invalid_reason=f"{invalid_share:.0%} of criterion weight is invalid (max {rubric.max_invalid_weight:.0%}): {names}",
            invalid_criteria=listed,
        )
    valid = [s for s in scores if s.outcome != Outcome.invalid]
    score = sum(s.weight * (s.score or 0.0) for s in valid) / sum(s.weight for s in valid)
    reasons = []
    if score < rubric.threshold:
        reasons.append(f"score {score:.2f} below threshold {rubric.threshold:.2f}")
    for s in valid:
        label = _gated(s, by_id)
        if label and s.outcome == Outcome.failed:
            reasons.append(f"{label} criterion '{s.criterion_id}' failed")
    outcome = Outcome.failed if reasons else Outcome.passed
    return RubricScore(outcome=outcome, score=score, fail_reasons=reasons, invalid_criteria=listed)
