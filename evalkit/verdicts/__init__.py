"""evalkit.verdicts: the one place a verdict is decided.

A trial is pass, fail, invalid or error (`decide_trial`, rule text in
`DECISION_RULE`); the trials of one scenario and tier become a scenario
verdict (`decide_scenario`); all trials of a suite and tier go through the
suite gate (`decide_gate`); and `decide_run` does all of it for a run. The
plugin, `evalkit run`, `run_scenario`, the summaries, the report and compare
call these and never re-derive a verdict. The suite gate's judge_trust and
corrected checks read calibration records (`trust_record`, classified by
`judge_trust`) and this run's labels, handed in as `JudgeEvidence` (`trust_gate`).
"""

from evalkit.verdicts.gates import GateCheck, GateResult, decide_gate
from evalkit.verdicts.rows import ResultRow, TrialRecord
from evalkit.verdicts.run_verdict import RunOutcome, RunVerdict, VerdictInputs, decide_run
from evalkit.verdicts.scenario import CriterionFailure, ScenarioVerdict, decide_scenario, min_valid
from evalkit.verdicts.trial import DECISION_RULE, decide_trial, decided_without_judge
from evalkit.verdicts.trust_gate import CalibrationLookup, JudgeEvidence, RunLabel, TrustFinding

__all__ = [
    "DECISION_RULE",
    "CalibrationLookup",
    "CriterionFailure",
    "GateCheck",
    "GateResult",
    "JudgeEvidence",
    "ResultRow",
    "RunLabel",
    "RunOutcome",
    "RunVerdict",
    "ScenarioVerdict",
    "TrialRecord",
    "TrustFinding",
    "VerdictInputs",
    "decide_gate",
    "decide_run",
    "decide_scenario",
    "decide_trial",
    "decided_without_judge",
    "min_valid",
]
