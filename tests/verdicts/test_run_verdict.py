"""decide_run: every scenario and gate of a run, and the run's own outcome."""

from __future__ import annotations

from evalkit.spec.models import GateConfig
from evalkit.verdicts import TrialRecord, VerdictInputs, decide_run


def trial(suite: str, sid: str, outcome: str, i: int = 0, tier: str = "mini") -> TrialRecord:
    return TrialRecord(suite=suite, scenario_id=sid, tier=tier, trial=i, outcome=outcome)


def test_same_scenario_id_in_two_suites_stays_apart() -> None:
    rows = [
        trial("a", "refund", "fail"),
        trial("a", "refund", "fail", 1),
        trial("b", "refund", "pass"),
        trial("b", "refund", "pass", 1),
    ]
    verdict = decide_run(rows, [], VerdictInputs())
    assert sorted((s.suite, s.outcome) for s in verdict.scenarios) == [("a", "fail"), ("b", "pass")]
    assert verdict.failing_scenarios("a", "mini") == ["refund"] and verdict.failing_scenarios("b", "mini") == []


def test_run_outcome_orders_fail_error_invalid_inconclusive_pass() -> None:
    ok = [trial("s", "x", "pass", i) for i in range(2)]
    assert decide_run(ok, [], VerdictInputs()).outcome == "pass"
    errored = ok + [trial("s", "y", "error", i) for i in range(2)]
    tolerant = VerdictInputs(gates={"s": GateConfig(max_invalid_rate=1.0)})
    assert decide_run(errored, [], tolerant).outcome == "error"
    assert decide_run(errored, [], VerdictInputs()).outcome == "fail"  # 2/4 errors also fail the invalid_rate gate
    failed = errored + [trial("s", "z", "fail", i) for i in range(2)]
    verdict = decide_run(failed, [], VerdictInputs())
    assert verdict.outcome == "fail" and verdict.failed
    assert decide_run([], [], VerdictInputs()).outcome == "empty"


def test_each_suite_is_decided_with_its_own_gate() -> None:
    rows = [trial("strict", "x", o, i) for i, o in enumerate(["pass", "pass", "fail"])]
    rows += [trial("lenient", "x", o, i) for i, o in enumerate(["pass", "pass", "fail"])]
    inputs = VerdictInputs(
        gates={"strict": GateConfig(scenario_pass_rate=1.0), "lenient": GateConfig(scenario_pass_rate=0.5)}
    )
    outcomes = {s.suite: s.outcome for s in decide_run(rows, [], inputs).scenarios}
    assert outcomes == {"strict": "fail", "lenient": "pass"}
