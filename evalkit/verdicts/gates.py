"""Suite gates: statistical checks over all trials of a suite (one tier), decided once.

Each gate is three-way: pass, fail, or inconclusive when the confidence
interval straddles the threshold. Inconclusive fails or warns per
`gate.inconclusive`, and says what would settle it: more trials per scenario,
more scenarios, or nothing. docs/statistics.md has the formulas.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Literal

from pydantic import BaseModel, Field

from evalkit.spec.models import GateConfig
from evalkit.stats import (
    gate_decision, paired_bootstrap_diff, paired_test_can_reach, pass_rate_estimate, settle_advice,
    sign_flip_min_p_value, sign_flip_min_pairs,
)
from evalkit.verdicts.comparability import Instruments, mismatches
from evalkit.verdicts.rows import TrialRecord


Decision = Literal["pass", "fail", "inconclusive", "skipped"]


class GateCheck(BaseModel):
    name: str  # suite_mean | invalid_rate | regression
    decision: Decision
    detail: str


class GateResult(BaseModel):
    """All checks of one suite gate; `outcome` is what the gate item reports."""

    suite: str
    tier: str
    checks: list[GateCheck] = Field(default_factory=list)
    inconclusive_policy: Literal["fail", "warn"] = "fail"

    @property
    def outcome(self) -> Decision:
        decisions = {c.decision for c in self.checks}
        if "fail" in decisions:
            return "fail"
        if "inconclusive" in decisions:
            return "inconclusive"
        return "pass" if "pass" in decisions else "skipped"

    @property
    def failed(self) -> bool:
        return self.outcome == "fail" or (self.outcome == "inconclusive" and self.inconclusive_policy == "fail")

    def message(self) -> str:
        head = f"gate {self.suite}[{self.tier}]: {self.outcome.upper()}"
        return "\n".join([head] + [f"  {c.name}: {c.decision.upper()} - {c.detail}" for c in self.checks])


def decide_gate(
    trials: list[TrialRecord],
    gate: GateConfig,
    baseline: list[TrialRecord] | None = None,
    expected: list[str] | None = None,
) -> GateResult:
    """Decide the suite gate from this suite+tier's trial rows (and a baseline run's rows, if any)."""
    first = trials[0] if trials else None
    result = GateResult(suite=first.suite if first else "", tier=first.tier if first else "",
                        inconclusive_policy=gate.inconclusive)
    if not trials:
        result.checks.append(GateCheck(name="trials", decision="skipped", detail="no trials ran for this suite"))
        return result
    if gate.suite_mean_lower_ci is not None:
        result.checks.append(suite_mean_check(trials, gate))
    result.checks.append(invalid_rate_check(trials, gate))
    if baseline is not None:
        result.checks.append(regression_check(trials, baseline, gate))
    if expected:
        missing = sorted(set(expected) - {t.scenario_id for t in trials})
        if missing:
            result.checks.append(GateCheck(name="coverage", decision="skipped",
                                           detail=f"not run, so not gated: {', '.join(missing)}"))
    return result


def suite_mean_check(trials: list[TrialRecord], gate: GateConfig) -> GateCheck:
    """Per-scenario pass rates first, then their mean; the lower bound must reach the threshold.

    The interval is clustered by scenario (`pass_rate_estimate`); an inconclusive check says
    whether more trials per scenario, more scenarios, or nothing would settle it (`settle_advice`).
    """
    threshold = gate.suite_mean_lower_ci or 0.0
    counts = _pass_counts(trials)
    est = pass_rate_estimate(counts, gate.confidence)
    decision = gate_decision(est, threshold)
    low = "n/a" if est.low is None else f"{est.low:.2f}"
    high = "n/a" if est.high is None else f"{est.high:.2f}"
    mean = "n/a" if est.mean is None else f"{est.mean:.2f}"
    detail = (f"suite mean pass rate {mean}, {gate.confidence:.0%} CI [{low}, {high}] (clustered by scenario, "
              f"{est.n_obs} valid trials over {est.n_clusters} scenarios); lower bound must reach {threshold:.2f}")
    if decision == "inconclusive":
        advice = settle_advice(counts, threshold, gate.confidence)
        detail += f"; INCONCLUSIVE: the interval straddles the threshold; {advice.text}"
    return GateCheck(name="suite_mean", decision=decision, detail=detail)


def _pass_counts(trials: list[TrialRecord]) -> dict[str, tuple[int, int]]:
    """{scenario: (passes, valid trials)}; invalid and error trials count neither way."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for t in trials:
        if t.outcome in ("pass", "fail"):
            counts[t.scenario_id][0] += t.outcome == "pass"
            counts[t.scenario_id][1] += 1
    return {k: (c, n) for k, (c, n) in counts.items()}


def invalid_rate_check(trials: list[TrialRecord], gate: GateConfig) -> GateCheck:
    """Invalid and error trials against `max_invalid_rate`; invalid criteria inside decided trials are counted too.

    A trial can pass or fail with some criteria unreadable (their weight under the rubric's
    `max_invalid_weight`); those readings are shown here and gated at the same rate over all
    criterion readings, so a judge that keeps failing on one criterion cannot hide.
    """
    invalid = sum(t.outcome == "invalid" for t in trials)
    errors = sum(t.outcome == "error" for t in trials)
    rate = (invalid + errors) / len(trials)
    readings = sum(t.criteria_scored for t in trials)
    unread = sum(len(t.invalid_criteria) for t in trials if t.outcome in ("pass", "fail"))
    criterion_rate = unread / readings if readings else 0.0
    ok = rate <= gate.max_invalid_rate and criterion_rate <= gate.max_invalid_rate
    errors_text = f", {errors} setup error(s)" if errors else ""
    detail = (f"{invalid + errors}/{len(trials)} trials invalid{errors_text} ({rate:.0%}); "
              f"{unread}/{readings} criterion readings invalid in decided trials ({criterion_rate:.0%}); "
              f"allowed at most {gate.max_invalid_rate:.0%} of each")
    return GateCheck(name="invalid_rate", decision="pass" if ok else "fail", detail=detail)


def regression_check(trials: list[TrialRecord], baseline: list[TrialRecord], gate: GateConfig) -> GateCheck:
    """Fail only on a drop that is both significant (paired by scenario) and beyond `regression_margin`.

    INCONCLUSIVE instead of a verdict when the baseline was measured with another rubric, judge or
    simulator (as `evalkit compare` refuses), or when the drop is beyond the margin but the paired
    test cannot reach the confidence with this few paired scenarios (at 95%: fewer than 6).
    """
    changed = _instrument_changes(trials, baseline)
    if changed:
        return GateCheck(name="regression", decision="inconclusive", detail=changed)
    now, before = _pass_values(trials), _pass_values(baseline)
    diff = paired_bootstrap_diff(before, now, gate.confidence)
    missing = sorted(set(before) - set(now))
    gone = f"; scenarios in the baseline but not in this run: {', '.join(missing)}" if missing else ""
    if diff.mean_diff is None or diff.high is None:
        return GateCheck(name="regression", decision="skipped", detail="no scenario in common with the baseline" + gone)
    significant = diff.high < 0 and diff.p_value is not None and diff.p_value < 1 - gate.confidence
    large = -diff.mean_diff > gate.regression_margin
    detail = (f"pass rate {diff.mean_a:.2f} -> {diff.mean_b:.2f} (change {diff.mean_diff:+.2f}, "
              f"{gate.confidence:.0%} CI [{diff.low:+.2f}, {diff.high:+.2f}], {diff.n_pairs} paired scenarios); "
              f"fails when significant and beyond -{gate.regression_margin:.2f}{gone}")
    if not paired_test_can_reach(diff.n_pairs, gate.confidence):
        if large:
            return GateCheck(name="regression", decision="inconclusive",
                             detail=detail + "; INCONCLUSIVE: " + _unreachable(diff.n_pairs, gate.confidence))
        detail += f"; passes because the drop is within the margin ({_unreachable(diff.n_pairs, gate.confidence)})"
    return GateCheck(name="regression", decision="fail" if significant and large else "pass", detail=detail)


def _unreachable(n_pairs: int, confidence: float) -> str:
    smallest = sign_flip_min_p_value(n_pairs)
    floor = "no p-value with one scenario" if smallest is None else f"its smallest p-value is {smallest:.3g}"
    need = sign_flip_min_pairs(confidence)
    more = f"; at least {need} paired scenarios are needed" if need else ""
    return (f"with {n_pairs} paired scenario{'s' if n_pairs != 1 else ''} the paired test cannot reach "
            f"{confidence:.0%} ({floor}), so no drop could be shown significant{more}")


def _instrument_changes(trials: list[TrialRecord], baseline: list[TrialRecord]) -> str:
    """'' when the baseline was measured like this run, else a one-line reason naming what changed.

    Trial rows carry the rubric fingerprints they were judged under, so an edit without a version bump shows.
    """
    before, now = Instruments.of("baseline", baseline), Instruments.of("this run", trials)
    found = mismatches(before, now)
    if not found:
        return ""
    kinds = ", ".join(dict.fromkeys(f"{m.kind} changed" for m in found))
    return (f"INCONCLUSIVE: {kinds} since the baseline, so the runs are not comparable: "
            + "; ".join(m.message for m in found))


def _pass_values(trials: list[TrialRecord]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = defaultdict(list)
    for t in trials:
        if t.outcome in ("pass", "fail"):
            out[t.scenario_id].append(1.0 if t.outcome == "pass" else 0.0)
    return dict(out)
