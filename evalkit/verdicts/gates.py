"""Suite gates: statistical checks over all trials of a suite (one tier), decided once.

Each gate is three-way: pass, fail, or inconclusive when the confidence
interval straddles the threshold. Inconclusive fails or warns per
`gate.inconclusive`, and says what would settle it: more trials per scenario,
more scenarios, or nothing. docs/statistics.md has the formulas.
`gate.judge_trust` adds a check that can only make a gate INCONCLUSIVE or
warn (never pass a failing one); `gate.corrected` decides the suite mean on
the pass rate corrected for the judge's errors (docs/judge_trust.md).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Literal

from pydantic import BaseModel, Field

from evalkit.spec.models import GateConfig
from evalkit.stats import (
    gate_decision,
    paired_bootstrap_diff,
    paired_test_can_reach,
    pass_rate_estimate,
    settle_advice,
    sign_flip_min_p_value,
    sign_flip_min_pairs,
)
from evalkit.stats.correction import CorrectedRate
from evalkit.stats.means import MeanEstimate
from evalkit.verdicts.comparability import Instruments, mismatches
from evalkit.verdicts.corrected_gate import TRANSFER, ppi_rate, rogan_gladen_rate
from evalkit.verdicts.rows import TrialRecord
from evalkit.verdicts.trust_gate import JudgeEvidence, TrustFinding, trust_findings

Decision = Literal["pass", "fail", "inconclusive", "warn", "skipped"]  # warn: shown, never decides


class GateCheck(BaseModel):
    """One check of a gate; the figures are the ones decided on, for tables and notebooks (detail says it in words)."""

    name: str  # suite_mean | invalid_rate | regression | judge_trust | coverage
    decision: Decision
    detail: str
    threshold: float | None = None  # what the estimate is held against (None: the check has no numeric threshold)
    estimate: float | None = None  # the figure decided on
    low: float | None = None  # its interval at the gate's confidence (None: none was computed)
    high: float | None = None


class GateResult(BaseModel):
    """All checks of one suite gate; `outcome` is what the gate item reports."""

    suite: str
    tier: str
    checks: list[GateCheck] = Field(default_factory=list)
    inconclusive_policy: Literal["fail", "warn"] = "fail"
    confidence: float = 0.95  # the gate's, at which every check's interval is computed
    judge_trust: list[TrustFinding] = Field(default_factory=list)  # each rubric x judge and its record's state
    raw_rate: MeanEstimate | None = None  # the suite mean as judged (set when gate.corrected is on)
    corrected: CorrectedRate | None = None  # gate.corrected's rate, or its refusal
    corrected_source: str = ""  # where the correction's inputs came from (record and TPR / FPR, or labels)

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
    evidence: JudgeEvidence | None = None,
) -> GateResult:
    """Decide the suite gate from this suite+tier's trial rows (and a baseline run's rows, if any).

    `evidence` (criterion rows, calibration records, this run's labels) feeds the judge_trust and
    corrected checks; without it neither can be decided (judge_trust is then left out).
    """
    first = trials[0] if trials else None
    result = GateResult(
        suite=first.suite if first else "",
        tier=first.tier if first else "",
        inconclusive_policy=gate.inconclusive,
        confidence=gate.confidence,
    )
    if not trials:
        result.checks.append(GateCheck(name="trials", decision="skipped", detail="no trials ran for this suite"))
        return result
    evidence = evidence or JudgeEvidence()
    result.judge_trust = trust_findings(evidence, gate.judge_trust)
    if gate.corrected != "off":
        result.checks.append(corrected_suite_check(trials, gate, evidence, result))
    elif gate.suite_mean_lower_ci is not None:
        result.checks.append(suite_mean_check(trials, gate))
    result.checks.append(invalid_rate_check(trials, gate))
    trust = judge_trust_check(result.judge_trust, gate)
    if trust is not None:
        result.checks.append(trust)
    if baseline is not None:
        result.checks.append(regression_check(trials, baseline, gate))
    if expected:
        missing = sorted(set(expected) - {t.scenario_id for t in trials})
        if missing:
            result.checks.append(
                GateCheck(name="coverage", decision="skipped", detail=f"not run, so not gated: {', '.join(missing)}")
            )
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
    detail = (
        f"suite mean pass rate {mean}, {gate.confidence:.0%} CI [{low}, {high}] (clustered by scenario, "
        f"{est.n_obs} valid trials over {est.n_clusters} scenarios); lower bound must reach {threshold:.2f}"
    )
    if decision == "inconclusive":
        advice = settle_advice(counts, threshold, gate.confidence)
        detail += f"; INCONCLUSIVE: the interval straddles the threshold; {advice.text}"
    return GateCheck(
        name="suite_mean",
        decision=decision,
        detail=detail,
        threshold=threshold,
        estimate=est.mean,
        low=est.low,
        high=est.high,
    )


def _show(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def corrected_suite_check(
    trials: list[TrialRecord], gate: GateConfig, evidence: JudgeEvidence, result: GateResult
) -> GateCheck:
    """The suite mean decided on the corrected interval, raw and corrected side by side.

    Without `suite_mean_lower_ci` there is nothing to decide: the figures are shown (skipped).
    A refused correction is INCONCLUSIVE: the user asked for a corrected gate and there is none.
    """
    raw = pass_rate_estimate(_pass_counts(trials), gate.confidence)
    if gate.corrected == "rogan_gladen":
        rate, source = rogan_gladen_rate(raw, evidence, result.judge_trust, gate)
    else:
        rate, source = ppi_rate(trials, evidence, gate)
    result.raw_rate, result.corrected, result.corrected_source = raw, rate, source
    name = "Rogan-Gladen" if gate.corrected == "rogan_gladen" else "PPI++"
    shown = f"{_show(rate.estimate)} [{_show(rate.low)}, {_show(rate.high)}]" if rate.status == "ok" else "refused"
    detail = (
        f"raw {_show(raw.mean)} [{_show(raw.low)}, {_show(raw.high)}] | corrected ({name}) {shown}, "
        f"{gate.confidence:.0%} CI, {raw.n_obs} valid trials over {raw.n_clusters} scenarios"
    )
    if source:
        detail += f"; {source}"
    if gate.corrected == "rogan_gladen":
        detail += f"; {TRANSFER}"
    threshold = gate.suite_mean_lower_ci
    if rate.status != "ok":
        return GateCheck(
            name="suite_mean",
            decision="inconclusive" if threshold is not None else "skipped",
            detail=f"{detail}; correction refused: {rate.reason}",
            threshold=threshold,
        )
    if threshold is None:
        decision: Decision = "skipped"
        detail += "; no suite_mean_lower_ci to gate"
    else:
        decision = gate_decision(rate, threshold)
        detail += f"; the corrected lower bound must reach {threshold:.2f}"
    if decision == "inconclusive":
        detail += "; INCONCLUSIVE: the corrected interval straddles the threshold"
    return GateCheck(
        name="suite_mean",
        decision=decision,
        detail=detail,
        threshold=threshold,
        estimate=rate.estimate,
        low=rate.low,
        high=rate.high,
    )


def judge_trust_check(findings: list[TrustFinding], gate: GateConfig) -> GateCheck | None:
    """INCONCLUSIVE (require: fail) or WARN (require: warn) unless every rubric x judge is trusted.

    None when the check is off or nothing was judged by an LLM (or the records were not looked up).
    """
    require = gate.judge_trust.require
    if require == "off" or not findings:
        return None
    bad = [f for f in findings if f.state != "trusted"]
    if not bad:
        return GateCheck(
            name="judge_trust", decision="pass", detail="; ".join(f"{f.label}: trusted, {f.why}" for f in findings)
        )
    head = "INCONCLUSIVE" if require == "fail" else "WARNING"
    # one line per run, not a paragraph per rubric: a missing record needs no reason; the fix is shown once
    lines = "; ".join(f"{f.label} is {f.state.upper()}" + ("" if f.state == "missing" else f" ({f.why})") for f in bad)
    detail = (
        f"{head}: {len(bad)} of {len(findings)} rubric x judge not trusted by a current calibration "
        f"record: {lines}. Fix, e.g.: {bad[0].fix} (`evalkit calibrate check` lists each; floors on interval "
        f"bounds: kappa >= {gate.judge_trust.min_kappa}, TPR >= {gate.judge_trust.min_tpr}, "
        f"FPR <= {gate.judge_trust.max_fpr})"
    )
    return GateCheck(name="judge_trust", decision="inconclusive" if require == "fail" else "warn", detail=detail)


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
    detail = (
        f"{invalid + errors}/{len(trials)} trials invalid{errors_text} ({rate:.0%}); "
        f"{unread}/{readings} criterion readings invalid in decided trials ({criterion_rate:.0%}); "
        f"allowed at most {gate.max_invalid_rate:.0%} of each"
    )
    return GateCheck(
        name="invalid_rate",
        decision="pass" if ok else "fail",
        detail=detail,
        threshold=gate.max_invalid_rate,
        estimate=max(rate, criterion_rate),
    )


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
    detail = (
        f"pass rate {diff.mean_a:.2f} -> {diff.mean_b:.2f} (change {diff.mean_diff:+.2f}, "
        f"{gate.confidence:.0%} CI [{diff.low:+.2f}, {diff.high:+.2f}], {diff.n_pairs} paired scenarios); "
        f"fails when significant and beyond -{gate.regression_margin:.2f}{gone}"
    )
    decision: Decision = "fail" if significant and large else "pass"
    if not paired_test_can_reach(diff.n_pairs, gate.confidence):
        if large:
            decision, detail = "inconclusive", detail + "; INCONCLUSIVE: " + _unreachable(diff.n_pairs, gate.confidence)
        else:
            detail += f"; passes because the drop is within the margin ({_unreachable(diff.n_pairs, gate.confidence)})"
    return GateCheck(
        name="regression",
        decision=decision,
        detail=detail,
        threshold=-gate.regression_margin,
        estimate=diff.mean_diff,
        low=diff.low,
        high=diff.high,
    )


def _unreachable(n_pairs: int, confidence: float) -> str:
    smallest = sign_flip_min_p_value(n_pairs)
    floor = "no p-value with one scenario" if smallest is None else f"its smallest p-value is {smallest:.3g}"
    need = sign_flip_min_pairs(confidence)
    more = f"; at least {need} paired scenarios are needed" if need else ""
    return (
        f"with {n_pairs} paired scenario{'s' if n_pairs != 1 else ''} the paired test cannot reach "
        f"{confidence:.0%} ({floor}), so no drop could be shown significant{more}"
    )


def _instrument_changes(trials: list[TrialRecord], baseline: list[TrialRecord]) -> str:
    """'' when the baseline was measured like this run, else a one-line reason naming what changed.

    Trial rows carry the rubric fingerprints they were judged under, so an edit without a version bump shows.
    """
    before, now = Instruments.of("baseline", baseline), Instruments.of("this run", trials)
    found = mismatches(before, now)
    if not found:
        return ""
    kinds = ", ".join(dict.fromkeys(f"{m.kind} changed" for m in found))
    return f"INCONCLUSIVE: {kinds} since the baseline, so the runs are not comparable: " + "; ".join(
        m.message for m in found
    )


def _pass_values(trials: list[TrialRecord]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = defaultdict(list)
    for t in trials:
        if t.outcome in ("pass", "fail"):
            out[t.scenario_id].append(1.0 if t.outcome == "pass" else 0.0)
    return dict(out)
