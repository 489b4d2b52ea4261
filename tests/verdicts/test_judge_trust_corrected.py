"""gate.corrected: the suite mean decided on the Rogan-Gladen or PPI++ interval, raw beside corrected."""

from __future__ import annotations

import pytest
from judge_trust_records import record_for
from test_judge_trust_gate import TODAY, TRUSTED_BOUNDS, USE, check, criteria, lookup, trials

from evalkit.spec.models import GateConfig, JudgeTrustGate
from evalkit.stats.correction import CorrectionConfig, binomial_proportion, proportion_from_interval, rogan_gladen
from evalkit.stats.intervals import gate_decision
from evalkit.stats.means import pass_rate_estimate
from evalkit.stats.ppi import PPIStratum, ppi_plus_plus
from evalkit.verdicts.gates import decide_gate
from evalkit.verdicts.judge_trust import InUse
from evalkit.verdicts.trust_gate import JudgeEvidence, RunLabel

# 12 scenarios of 10 trials, the judge passes 8 in each (raw 0.8)
SPEC = {f"s{i:02d}": "ppppppppff" for i in range(12)}
LENIENT = ([1] * 57 + [0] * 3 + [1] * 18 + [0] * 42, [1] * 60 + [0] * 60)  # TPR 0.95, FPR 0.3


def gate(method: str, threshold: float | None = 0.7, require: str = "off") -> GateConfig:
    return GateConfig(suite_mean_lower_ci=threshold, corrected=method, judge_trust=JudgeTrustGate(require=require))


def test_rogan_gladen_gates_on_the_corrected_interval_and_shows_both() -> None:
    rows = trials(SPEC)
    record = record_for(USE, *LENIENT, bounds=TRUSTED_BOUNDS)
    evidence = JudgeEvidence(criteria=criteria(rows), calibration=lookup(record), today=TODAY)
    raw_check = check(decide_gate(rows, gate("off", threshold=0.6), evidence=evidence), "suite_mean")
    result = decide_gate(rows, gate("rogan_gladen", threshold=0.6), evidence=evidence)
    c = check(result, "suite_mean")
    raw = pass_rate_estimate(dict.fromkeys(SPEC, (8, 10)), 0.95)
    expected = rogan_gladen(
        proportion_from_interval(raw.mean, raw.low, raw.high), binomial_proportion(57, 60), binomial_proportion(18, 60)
    )

    def through(q: float) -> float:
        return min(1.0, max(0.0, (q - 0.3) / (0.95 - 0.3)))

    got = result.corrected
    assert result.raw_rate == raw and (got.estimate, got.se) == (expected.estimate, expected.se)
    assert (got.low, got.high) == (min(expected.low, through(raw.low)), max(expected.high, through(raw.high)))
    assert got.estimate < raw.mean  # a lenient judge: the corrected rate is lower ((0.8 - 0.3) / 0.65)
    assert raw_check.decision == "pass" and c.decision == gate_decision(got, 0.6) != "pass"
    assert f"raw {raw.mean:.2f} [{raw.low:.2f}, {raw.high:.2f}]" in c.detail
    assert f"corrected (Rogan-Gladen) {got.estimate:.2f} [{got.low:.2f}, {got.high:.2f}]" in c.detail
    assert "TPR 57/60, FPR 18/60" in c.detail and "assumes the judge errs" in c.detail


def test_rogan_gladen_is_never_surer_than_the_raw_interval_allows() -> None:
    # 3 all-passing scenarios: raw [0.34, 1]; the delta method alone, centred past 1, gives a lower bound near 0.67
    rows = trials({"a": "pp", "b": "pp", "c": "pp"})
    good = ([0] + [1] * 29 + [0] * 29 + [1], [1] * 30 + [0] * 30)  # TPR 29/30, FPR 1/30
    evidence = JudgeEvidence(criteria=criteria(rows), calibration=lookup(record_for(USE, *good)), today=TODAY)
    raw = pass_rate_estimate({"a": (2, 2), "b": (2, 2), "c": (2, 2)}, 0.95)
    delta = rogan_gladen(
        proportion_from_interval(raw.mean, raw.low, raw.high), binomial_proportion(29, 30), binomial_proportion(1, 30)
    )
    result = decide_gate(rows, gate("rogan_gladen", threshold=0.5), evidence=evidence)
    mapped_low = (raw.low - 1 / 30) / (29 / 30 - 1 / 30)
    assert delta.low > 0.5 > raw.low  # the delta method alone would pass a gate the raw interval cannot
    assert result.corrected.low == pytest.approx(mapped_low) and check(result, "suite_mean").decision == "inconclusive"


def test_rogan_gladen_refuses_a_judge_that_barely_separates() -> None:
    weak = ([1] * 8 + [0] * 2 + [1] * 5 + [0] * 5, [1] * 10 + [0] * 10)  # TPR 0.8, FPR 0.5: J = 0.3, lower bound < 0.3
    rows = trials(SPEC)
    evidence = JudgeEvidence(criteria=criteria(rows), calibration=lookup(record_for(USE, *weak)), today=TODAY)
    result = decide_gate(rows, gate("rogan_gladen"), evidence=evidence)
    c = check(result, "suite_mean")
    assert c.decision == "inconclusive" and result.outcome == "inconclusive"
    assert "correction refused: TPR - FPR = 0.30, lower bound" in c.detail and "< 0.30" in c.detail
    assert result.corrected is not None and result.corrected.status == "inconclusive"


def test_rogan_gladen_needs_a_current_record_and_one_rubric() -> None:
    rows = trials(SPEC)
    missing = decide_gate(
        rows, gate("rogan_gladen"), evidence=JudgeEvidence(criteria=criteria(rows), calibration=lookup(), today=TODAY)
    )
    assert check(missing, "suite_mean").decision == "inconclusive"
    assert "is missing" not in check(missing, "suite_mean").detail  # named as the state, with the fix
    assert "missing (no calibration record" in check(missing, "suite_mean").detail
    stale = record_for(
        InUse(USE.rubric, "fp-old", USE.judge_models, USE.template_hash), *LENIENT, bounds=TRUSTED_BOUNDS
    )
    refused = decide_gate(
        rows,
        gate("rogan_gladen"),
        evidence=JudgeEvidence(criteria=criteria(rows), calibration=lookup(stale), today=TODAY),
    )
    assert "stale" in check(refused, "suite_mean").detail and refused.outcome == "inconclusive"
    other = InUse("support.honesty@1", "fp-h", USE.judge_models, USE.template_hash)
    two = decide_gate(
        rows,
        gate("rogan_gladen"),
        evidence=JudgeEvidence(
            criteria=criteria(rows) + criteria(rows, other), calibration=lookup(record_for(USE, *LENIENT)), today=TODAY
        ),
    )
    assert "this suite used 2" in check(two, "suite_mean").detail


def test_corrected_never_hides_a_failing_invalid_rate() -> None:
    rows = trials({f"s{i:02d}": "ppppppppii" for i in range(12)})
    evidence = JudgeEvidence(criteria=criteria(rows), calibration=lookup(record_for(USE, *LENIENT)), today=TODAY)
    assert decide_gate(rows, gate("rogan_gladen"), evidence=evidence).outcome == "fail"


def labels_for(rows: list, every: int) -> list[RunLabel]:
    """A human label on every `every`-th trial of each scenario: the human fails the judge's last pass."""
    out = []
    for t in rows:
        if t.trial % every == 0:
            human = 0.0 if t.trial == 6 else (1.0 if t.outcome == "pass" else 0.0)
            out.append(
                RunLabel(
                    suite=t.suite,
                    scenario_id=t.scenario_id,
                    tier=t.tier,
                    trial=t.trial,
                    rubric=USE.rubric,
                    human_pass=human,
                    n_lines=1,
                )
            )
    return out


def test_ppi_uses_this_runs_labels_stratified_by_scenario() -> None:
    rows = trials(SPEC)
    labels = labels_for(rows, 2)  # trials 0, 2, 4, 6, 8 of each scenario
    evidence = JudgeEvidence(criteria=criteria(rows), calibration=lookup(), labels=labels, today=TODAY)
    result = decide_gate(rows, gate("ppi", threshold=0.5), evidence=evidence)
    f = [1.0] * 8 + [0.0] * 2
    stratum = PPIStratum(judge=f, labelled_judge=[f[i] for i in (0, 2, 4, 6, 8)], labels=[1.0, 1.0, 1.0, 0.0, 0.0])
    expected = ppi_plus_plus([stratum] * 12, CorrectionConfig(estimand="scenario_population"))
    assert result.corrected == expected and expected.estimate < 0.8
    c = check(result, "suite_mean")
    assert c.decision == gate_decision(expected, 0.5)
    assert f"corrected (PPI++) {expected.estimate:.2f}" in c.detail and "60 labelled trials" in c.detail
    assert "assumes the judge errs" not in c.detail  # no transfer assumption


def test_ppi_without_labels_of_this_run_is_inconclusive_and_says_how_to_get_them() -> None:
    rows = trials(SPEC)
    result = decide_gate(rows, gate("ppi"), evidence=JudgeEvidence(criteria=criteria(rows), labels=[], today=TODAY))
    c = check(result, "suite_mean")
    assert c.decision == "inconclusive" and "evalkit labels sample RUN_DIR" in c.detail
    other_rubric = [lab.model_copy(update={"rubric": "support.honesty@1"}) for lab in labels_for(rows, 2)]
    result = decide_gate(rows, gate("ppi"), evidence=JudgeEvidence(criteria=criteria(rows), labels=other_rubric))
    assert check(result, "suite_mean").decision == "inconclusive"


def test_corrected_without_a_threshold_only_shows_the_figures() -> None:
    rows = trials(SPEC)
    evidence = JudgeEvidence(criteria=criteria(rows), labels=labels_for(rows, 2), today=TODAY)
    result = decide_gate(rows, gate("ppi", threshold=None), evidence=evidence)
    c = check(result, "suite_mean")
    assert c.decision == "skipped" and "corrected (PPI++)" in c.detail and result.outcome == "pass"
