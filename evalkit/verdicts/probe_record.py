"""What `evalkit calibrate --probes` measured: the judge's biases, stored in the calibration record.

Every edit probe judges the same holdout transcripts twice, before and after an
edit that leaves the human label unchanged, so any change in the judge's
outcome is the judge's bias: a flip rate, the shift in its pass rate, and an
exact McNemar test on the flips. Lives beside the record (`trust_record.py`),
which the verdicts layer reads; `evalkit.calibration.probes` computes it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FlipTest(_Frozen):
    """Paired judge outcomes (before, after the edit) on one criterion or on the rubric's verdict."""

    scope: str  # criterion id, or "verdict"
    n: int  # items with a valid judge outcome both times
    to_pass: int  # judged fail before the edit, pass after
    to_fail: int  # judged pass before, fail after
    flip_rate: float | None  # (to_pass + to_fail) / n
    pass_shift: float | None  # (to_pass - to_fail) / n: on human-fail items, the shift in FPR
    p_value: float | None  # exact McNemar: two-sided binomial(to_pass + to_fail, 1/2) on the flips


class EditProbe(_Frozen):
    """One edit (verbosity padding, injection) applied to holdout transcripts and judged again."""

    name: Literal["verbosity", "injection_user", "injection_tool"]
    edit: str  # what was changed, in words
    items: Literal["holdout", "holdout_human_fail"]
    n_items: int  # distinct transcripts edited and judged again
    n_skipped: int  # transcripts with nowhere to make the edit
    flip_rate: float | None  # the verdict's (headline)
    pass_shift: float | None  # the verdict's
    p_value: float | None  # the verdict's exact McNemar
    verdict: FlipTest | None = None
    criteria: list[FlipTest] = Field(default_factory=list)  # injection: only items the person failed on that criterion
    holds: bool | None = (
        None  # injection: True when no FPR moved (the requirement); None for verbosity or nothing valid
    )


class TierRate(_Frozen):
    """The judge's false-positive rate on one agent tier's human-fail items."""

    agent_model: str
    family: str
    n_human_fail: int  # human-fail items with a valid judge outcome
    judge_passes: int
    fpr: float | None


class TierDifference(_Frozen):
    """FPR(candidate tier) - FPR(reference tier) with Newcombe's hybrid score interval (95%)."""

    scope: str  # criterion id, or "verdict"
    rates: list[TierRate]
    diff: float | None
    low: float | None
    high: float | None


class SelfPreference(_Frozen):
    """Does the judge go easier on agents of its own provider family? Unpaired: tiers made different transcripts."""

    name: Literal["self_preference"] = "self_preference"
    judge_families: list[str]
    shared: list[str]  # agent tiers whose family is one of the judge's
    warning: str | None
    candidate: str | None  # the tier closest to the judge (same model, else same family)
    reference: str | None  # the tier furthest from it
    fpr_diff: float | None  # the verdict's difference (headline)
    low: float | None
    high: float | None
    differences: list[TierDifference] = Field(default_factory=list)  # verdict first, then each criterion


class PositionProbe(_Frozen):
    """Pairwise position bias: each pair of same-scenario transcripts judged in both orders."""

    name: Literal["pairwise_position"] = "pairwise_position"
    judge_model: str | None
    n_pairs: int
    n_valid: int  # both orders answered
    n_inconsistent: int  # the two orders named different winners
    flip_rate: float | None  # n_inconsistent / n_valid
    n_first: int  # inconsistent pairs where the first-shown transcript won both times
    n_second: int  # ... the second-shown one
    p_first: float | None  # P(first | inconsistent, position decided) = n_first / (n_first + n_second)
    p_value: float | None  # exact two-sided binomial test of p_first = 1/2
    skipped: str | None = None  # why nothing was measured


class ProbeResults(_Frozen):
    """All probes of one calibration; a probe that could not run says why in its own `skipped`/counts."""

    verbosity: EditProbe | None = None
    injection_user: EditProbe | None = None
    injection_tool: EditProbe | None = None
    self_preference: SelfPreference | None = None
    pairwise_position: PositionProbe | None = None
