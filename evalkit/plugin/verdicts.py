"""A scenario's verdict from its trials: pass, fail, or invalid (a distinct failure).

A trial is pass, fail or invalid; invalid trials never count either way. The
scenario passes when its pass rate over the valid trials reaches the gate's
`scenario_pass_rate` (or, with `mode: pass_hat_k`, when every valid trial
passed), it has at least `min_valid_trials` valid trials, and every per-criterion
threshold is met by that criterion's mean score.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from pydantic import BaseModel, Field

from evalkit.llm.costs import sum_costs
from evalkit.run.records import ResultRow, TrialRecord
from evalkit.spec.models import GateConfig
from evalkit.stats import wilson_interval

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
    outcome: str  # pass | fail | invalid | empty
    trials: int
    passed: int
    failed: int
    invalid: int
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
    def flaky(self) -> bool:
        return self.passed > 0 and self.failed > 0


def decide_scenario(
    trials: list[TrialRecord],
    criteria: list[ResultRow],
    gate: GateConfig,
    run_dir: Path | None = None,
) -> ScenarioVerdict:
    """Decide one item from its trial rows (one scenario, one tier) and their criterion rows."""
    counts = Counter(t.outcome for t in trials)
    passed, failed, invalid = counts["pass"], counts["fail"], counts["invalid"]
    valid = passed + failed
    interval = wilson_interval(passed, valid, gate.confidence) if valid else None
    rate = passed / valid if valid else None
    thresholds = _criterion_misses(criteria, gate.criterion_thresholds)
    need_valid = min(gate.min_valid_trials, max(len(trials), 1))
    if not trials:
        outcome = "empty"
    elif valid < need_valid:
        outcome = "invalid"
    elif gate.mode == "pass_hat_k":
        outcome = "pass" if failed == 0 and not thresholds else "fail"
    else:
        outcome = "pass" if rate is not None and rate >= gate.scenario_pass_rate and not thresholds else "fail"
    scores = [t.score for t in trials if t.score is not None and t.outcome != "invalid"]
    first = trials[0] if trials else None
    return ScenarioVerdict(
        scenario_id=first.scenario_id if first else "",
        tier=first.tier if first else "",
        outcome=outcome,
        trials=len(trials),
        passed=passed,
        failed=failed,
        invalid=invalid,
        pass_rate=rate,
        interval=(interval.low, interval.high) if interval else None,
        confidence=gate.confidence,
        mean_score=sum(scores) / len(scores) if scores else None,
        cost_usd=sum_costs([t.cost("total") for t in trials]) if trials else 0.0,
        required=_required(gate, need_valid),
        failing_criteria=_failing_criteria(criteria) + thresholds,
        invalid_reasons=_distinct(t.invalid_reason or t.termination or "invalid" for t in trials if t.outcome == "invalid"),
        fail_reasons=_distinct(r for t in trials if t.outcome == "fail" for r in t.fail_reasons),
        transcript=_transcript(trials, run_dir),
    )


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
        valid = [r for r in rows if r.outcome != "invalid"]
        reasoning = next((r.reasoning for r in fails if r.reasoning), "")
        out.append(CriterionFailure(label=label, failed=len(fails), of=len(valid), mean=_mean(valid),
                                    reasoning=excerpt(reasoning)))
    return sorted(out, key=lambda f: (-f.failed, f.label))


def _criterion_misses(criteria: list[ResultRow], thresholds: dict[str, float]) -> list[CriterionFailure]:
    """Per-criterion thresholds apply to the mean score over valid trials; keys are `criterion` or `rubric.criterion`."""
    out: list[CriterionFailure] = []
    for key, threshold in sorted(thresholds.items()):
        rows = [r for r in criteria if r.outcome != "invalid" and key in (r.criterion_id, f"{r.rubric_id}.{r.criterion_id}")]
        mean = _mean(rows)
        if mean is not None and mean < threshold:
            fails = sum(r.outcome == "fail" for r in rows)
            out.append(CriterionFailure(label=key, failed=fails, of=len(rows), mean=mean, threshold=threshold))
    return out


def _mean(rows: list[ResultRow]) -> float | None:
    scores = [r.score for r in rows if r.score is not None]
    return sum(scores) / len(scores) if scores else None


def _transcript(trials: list[TrialRecord], run_dir: Path | None) -> str | None:
    ranked = sorted(trials, key=lambda t: {"fail": 0, "invalid": 1, "pass": 2}.get(t.outcome, 3))
    for t in ranked:
        if t.transcript_path:
            return str(run_dir / t.transcript_path) if run_dir else t.transcript_path
    return None


def _distinct(values: object) -> list[str]:
    seen: dict[str, None] = {}
    for v in values:  # type: ignore[attr-defined]
        seen.setdefault(str(v), None)
    return list(seen)


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """One line, at most `limit` characters, for messages people scan."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
