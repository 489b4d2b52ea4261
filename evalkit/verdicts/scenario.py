"""A scenario's verdict from its trials: pass, fail, invalid or error (each distinct).

A trial is pass, fail, invalid or error; invalid and error trials never count
either way. The scenario passes when its pass rate over the valid trials
reaches the gate's `scenario_pass_rate` (or, with `mode: pass_hat_k`, when
every valid trial passed), it has at least `min_valid_trials` valid trials
(default: half its trials, rounded up), and every per-criterion threshold is
met by that criterion's mean score over valid readings. With too few valid
trials it is ERROR when setup errors outnumber invalid readings, else INVALID;
a per-criterion threshold with no valid reading at all makes it INVALID.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, Field

from evalkit.llm.costs import sum_costs
from evalkit.spec.models import GateConfig
from evalkit.stats import wilson_interval
from evalkit.verdicts.rows import ResultRow, TrialRecord

EXCERPT_CHARS = 240


class CriterionFailure(BaseModel):
    label: str
    failed: int  # trials on which the criterion failed
    of: int  # trials on which it was scored validly
    mean: float | None = None
    threshold: float | None = None  # set when a per-criterion threshold was missed
    reasoning: str = ""


class ScenarioVerdict(BaseModel):
    """Everything an item reports: outcome, counts, interval, reasons and where to look."""

    scenario_id: str
    tier: str
    suite: str = ""
    outcome: str  # pass | fail | invalid | error | empty
    trials: int
    passed: int
    failed: int
    invalid: int
    errors: int = 0  # setup errors: the agent never ran
    pass_rate: float | None
    interval: tuple[float, float] | None
    confidence: float
    mean_score: float | None
    cost_usd: float | None
    required: str  # what passing needed, in words
    failing_criteria: list[CriterionFailure] = Field(default_factory=list)
    invalid_reasons: list[str] = Field(default_factory=list)
    fail_reasons: list[str] = Field(default_factory=list)
    transcript: str | None = None  # the most telling transcript (first failing, else first)

    @property
    def valid(self) -> int:
        return self.passed + self.failed

    @property
    def label(self) -> str:
        """`scenario[tier]`, as items and tables name it."""
        return f"{self.scenario_id}[{self.tier}]"

    @property
    def flaky(self) -> bool:
        return self.passed > 0 and self.failed > 0


def min_valid(gate: GateConfig, trials: int) -> int:
    """Valid trials a scenario needs: the gate's `min_valid_trials`, else half its trials rounded up."""
    return gate.min_valid_trials if gate.min_valid_trials is not None else max(1, math.ceil(trials / 2))


def decide_scenario(
    trials: list[TrialRecord],
    criteria: list[ResultRow],
    gate: GateConfig,
    run_dir: Path | None = None,
) -> ScenarioVerdict:
    """Decide one item from its trial rows (one scenario, one tier) and their criterion rows."""
    counts: Counter[str] = Counter(t.outcome for t in trials)  # Outcome is a StrEnum: counted by its value
    passed, failed, invalid, errors = counts["pass"], counts["fail"], counts["invalid"], counts["error"]
    valid = passed + failed
    interval = wilson_interval(passed, valid, gate.confidence) if valid else None
    rate = passed / valid if valid else None
    misses, unscored = _criterion_misses(criteria, gate.criterion_thresholds)
    need_valid = min_valid(gate, len(trials))
    scores = [t.score for t in trials if t.score is not None and t.outcome in ("pass", "fail")]
    first = trials[0] if trials else None
    return ScenarioVerdict(
        scenario_id=first.scenario_id if first else "",
        tier=first.tier if first else "",
        suite=first.suite if first else "",
        outcome=_outcome(counts, rate, need_valid, gate, bool(misses), bool(unscored)),
        trials=len(trials),
        passed=passed,
        failed=failed,
        invalid=invalid,
        errors=errors,
        pass_rate=rate,
        interval=(interval.low, interval.high) if interval else None,
        confidence=gate.confidence,
        mean_score=sum(scores) / len(scores) if scores else None,
        cost_usd=sum_costs([t.cost("total") for t in trials]) if trials else 0.0,
        required=_required(gate, need_valid),
        failing_criteria=_failing_criteria(criteria) + misses,
        invalid_reasons=_distinct(
            [t.invalid_reason or t.termination or t.outcome for t in trials if t.outcome in ("invalid", "error")]
            + [f"criterion threshold {k}: no valid score to compare with {v:.2f}" for k, v in unscored]
        ),
        fail_reasons=_distinct(r for t in trials if t.outcome == "fail" for r in t.fail_reasons),
        transcript=_transcript(trials, run_dir),
    )


def _outcome(
    counts: Counter[str], rate: float | None, need_valid: int, gate: GateConfig, missed: bool, unscored: bool
) -> str:
    valid = counts["pass"] + counts["fail"]
    if not counts:
        return "empty"
    if valid < need_valid:
        return "error" if counts["error"] > counts["invalid"] else "invalid"
    if gate.mode == "pass_hat_k":
        quality = counts["fail"] == 0
    else:
        quality = rate is not None and rate >= gate.scenario_pass_rate
    if not quality or missed:
        return "fail"
    return "invalid" if unscored else "pass"


def _required(gate: GateConfig, need_valid: int) -> str:
    if gate.mode == "pass_hat_k":
        rule = "every valid trial to pass (pass^k)"
    else:
        rule = f"pass rate >= {gate.scenario_pass_rate:.0%} over valid trials"
    return f"{rule}, at least {need_valid} valid trial(s)"


def _failing_criteria(criteria: list[ResultRow]) -> list[CriterionFailure]:
    by_label: dict[str, list[ResultRow]] = defaultdict(list)
    for row in criteria:
        by_label[row.label].append(row)
    out: list[CriterionFailure] = []
    for label, rows in by_label.items():
        fails = [r for r in rows if r.outcome == "fail"]
        if not fails:
            continue
        valid = [r for r in rows if r.outcome in ("pass", "fail")]
        reasoning = next((r.reasoning for r in fails if r.reasoning), "")
        out.append(
            CriterionFailure(
                label=label, failed=len(fails), of=len(valid), mean=_mean(valid), reasoning=excerpt(reasoning)
            )
        )
    return sorted(out, key=lambda f: (-f.failed, f.label))


def _criterion_misses(
    criteria: list[ResultRow], thresholds: dict[str, float]
) -> tuple[list[CriterionFailure], list[tuple[str, float]]]:
    """Per-criterion thresholds against the mean score over valid readings; keys are `criterion` or `rubric.criterion`.

    Returns the thresholds missed, and the thresholds that had no valid reading to compare with
    (which make the scenario invalid: an unscored threshold is never a pass).
    """
    misses: list[CriterionFailure] = []
    unscored: list[tuple[str, float]] = []
    for key, threshold in sorted(thresholds.items()):
        rows = [
            r
            for r in criteria
            if r.outcome in ("pass", "fail") and key in (r.criterion_id, f"{r.rubric_id}.{r.criterion_id}")
        ]
        mean = _mean(rows)
        if mean is None:
            unscored.append((key, threshold))
        elif mean < threshold:
            fails = sum(r.outcome == "fail" for r in rows)
            misses.append(CriterionFailure(label=key, failed=fails, of=len(rows), mean=mean, threshold=threshold))
    return misses, unscored


def _mean(rows: list[ResultRow]) -> float | None:
    scores = [r.score for r in rows if r.score is not None]
    return sum(scores) / len(scores) if scores else None


def _transcript(trials: list[TrialRecord], run_dir: Path | None) -> str | None:
    ranked = sorted(trials, key=lambda t: {"fail": 0, "error": 1, "invalid": 2, "pass": 3}.get(t.outcome, 4))
    for t in ranked:
        if t.transcript_path:
            return str(run_dir / t.transcript_path) if run_dir else t.transcript_path
    return None


def _distinct(values: Iterable[object]) -> list[str]:
    seen: dict[str, None] = {}
    for v in values:
        seen.setdefault(str(v), None)
    return list(seen)


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """One line, at most `limit` characters, for messages people scan."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
