"""Scenario verdicts from trial rows: pass / fail / invalid and the failure message."""

from __future__ import annotations

from pathlib import Path

from evalkit.plugin.messages import failure_message
from evalkit.spec.models import GateConfig
from evalkit.verdicts.rows import ResultRow, TrialRecord
from evalkit.verdicts.scenario import decide_scenario


def trials(*outcomes: str, cost: float | None = 0.01) -> list[TrialRecord]:
    return [
        TrialRecord(
            scenario_id="s",
            tier="mini",
            trial=i,
            outcome=o,
            score=1.0 if o == "pass" else 0.0,
            transcript_path=f"transcripts/s_t{i}.json",
            invalid_reason="judge unparseable" if o == "invalid" else None,
            fail_reasons=["must_pass resolved failed"] if o == "fail" else [],
            cost_usd={"total": cost},
        )
        for i, o in enumerate(outcomes)
    ]


def crit(trial: int, outcome: str, score: float, cid: str = "resolved", reasoning: str = "") -> ResultRow:
    return ResultRow(
        scenario_id="s",
        tier="mini",
        trial=trial,
        rubric_ref="support.resolution@2",
        rubric_id="support.resolution",
        criterion_id=cid,
        outcome=outcome,
        score=score,
        reasoning=reasoning,
    )


def test_pass_rate_at_threshold_passes_and_below_fails() -> None:
    gate = GateConfig(scenario_pass_rate=0.8)
    assert decide_scenario(trials("pass", "pass", "pass", "pass", "fail"), [], gate).outcome == "pass"
    assert decide_scenario(trials("pass", "pass", "pass", "fail", "fail"), [], gate).outcome == "fail"


def test_invalid_trials_count_neither_way() -> None:
    v = decide_scenario(trials("pass", "pass", "invalid"), [], GateConfig(scenario_pass_rate=1.0))
    assert (v.outcome, v.passed, v.failed, v.invalid, v.pass_rate) == ("pass", 2, 0, 1, 1.0)


def test_min_valid_trials_defaults_to_half_the_trials_rounded_up() -> None:
    """4 of 5 invalid cannot pass (the old default of 1 valid trial let it)."""
    assert (
        decide_scenario(trials("pass", "invalid", "invalid", "invalid", "invalid"), [], GateConfig()).outcome
        == "invalid"
    )
    assert decide_scenario(trials("pass", "invalid", "invalid"), [], GateConfig()).outcome == "invalid"
    assert decide_scenario(trials("pass", "pass", "pass", "invalid", "invalid"), [], GateConfig()).outcome == "pass"


def test_min_valid_trials_is_never_capped_at_the_trials_run() -> None:
    """Asking for 3 valid trials and running 2 is not a pass."""
    assert decide_scenario(trials("pass", "pass"), [], GateConfig(min_valid_trials=3)).outcome == "invalid"


def test_setup_errors_make_an_error_not_a_fail() -> None:
    errored = trials("error", "error", "pass")
    for t in errored[:2]:
        t.invalid_reason = "agent setup failed: ModuleNotFoundError: No module named 'agentx'"
    v = decide_scenario(errored, [], GateConfig())
    assert (v.outcome, v.errors, v.valid) == ("error", 2, 1)
    assert "No module named 'agentx'" in v.invalid_reasons[0]


def test_criterion_threshold_without_a_valid_score_is_invalid() -> None:
    rows = [crit(0, "invalid", 0.0, "tone"), crit(1, "invalid", 0.0, "tone")]
    v = decide_scenario(trials("pass", "pass"), rows, GateConfig(criterion_thresholds={"tone": 0.5}))
    assert v.outcome == "invalid"
    assert any("criterion threshold tone" in r for r in v.invalid_reasons)


def test_too_few_valid_trials_is_invalid_not_fail() -> None:
    v = decide_scenario(trials("pass", "invalid", "invalid"), [], GateConfig(min_valid_trials=2))
    assert v.outcome == "invalid"
    msg = failure_message(v, "s[mini]")
    assert "INVALID (not a quality failure)" in msg and "judge unparseable" in msg


def test_all_invalid_is_invalid() -> None:
    assert decide_scenario(trials("invalid", "invalid"), [], GateConfig()).outcome == "invalid"


def test_pass_hat_k_needs_every_valid_trial() -> None:
    gate = GateConfig(mode="pass_hat_k", scenario_pass_rate=0.5)
    assert decide_scenario(trials("pass", "pass", "fail"), [], gate).outcome == "fail"
    assert decide_scenario(trials("pass", "pass", "pass"), [], gate).outcome == "pass"


def test_criterion_threshold_fails_a_passing_scenario() -> None:
    rows = [crit(0, "pass", 0.6, "tone"), crit(1, "pass", 0.5, "tone")]
    ok = decide_scenario(trials("pass", "pass"), rows, GateConfig(criterion_thresholds={"tone": 0.5}))
    bad = decide_scenario(
        trials("pass", "pass"), rows, GateConfig(criterion_thresholds={"support.resolution.tone": 0.7})
    )
    assert ok.outcome == "pass"
    assert bad.outcome == "fail"
    assert bad.failing_criteria[0].threshold == 0.7 and abs(bad.failing_criteria[0].mean - 0.55) < 1e-9


def test_interval_is_wilson_over_valid_trials() -> None:
    v = decide_scenario(trials("pass", "fail", "invalid"), [], GateConfig(min_valid_trials=1))
    assert v.interval is not None
    low, high = v.interval
    assert 0.0 < low < 0.5 < high < 1.0  # 1/2 passed: a wide interval around 0.5
    assert v.flaky


def test_failure_message_lists_criteria_reasoning_and_transcript(tmp_path: Path) -> None:
    rows = [
        crit(0, "pass", 1.0),
        crit(1, "fail", 0.0, reasoning="The agent never called refund_order.\nIt only apologised."),
    ]
    v = decide_scenario(trials("pass", "fail"), rows, GateConfig(scenario_pass_rate=0.8), run_dir=tmp_path)
    msg = failure_message(v, "s[mini]")
    assert v.outcome == "fail"
    assert "1/2 valid trials passed" in msg
    assert "support.resolution@2:resolved: failed 1/2" in msg
    assert "judge: The agent never called refund_order. It only apologised." in msg
    assert f"transcript: {tmp_path / 'transcripts/s_t1.json'}" in msg  # the failing trial's transcript


def test_unknown_cost_stays_unknown() -> None:
    assert decide_scenario(trials("pass", "pass", cost=None), [], GateConfig()).cost_usd is None
    assert abs(decide_scenario(trials("pass", "pass"), [], GateConfig()).cost_usd - 0.02) < 1e-9
