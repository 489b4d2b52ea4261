"""The verdict of a whole run: every scenario verdict, every suite gate, and one overall outcome.

This is the one function every consumer calls (terminal summary, step summary,
summary.md, report.html, compare, `evalkit run`): given the same rows and the
same gate configs, they cannot disagree.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from evalkit.spec.models import GateConfig
from evalkit.verdicts.gates import GateResult, decide_gate
from evalkit.verdicts.rows import ResultRow, TrialRecord
from evalkit.verdicts.scenario import ScenarioVerdict, decide_scenario
from evalkit.verdicts.trust_gate import CalibrationLookup, JudgeEvidence, RunLabel

RunOutcome = Literal["pass", "fail", "error", "invalid", "inconclusive", "empty"]
_SEVERITY: tuple[RunOutcome, ...] = ("fail", "error", "invalid", "inconclusive")  # worst first
_NOT_PASSING = ("fail", "error", "invalid")


class VerdictInputs(BaseModel):
    """What decides a run besides its rows: each suite's gate, the baseline, the scenarios each suite expects."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    gates: dict[str, GateConfig] = Field(default_factory=dict)  # suite name -> gate config
    baseline: list[TrialRecord] | None = None  # the baseline run's trials (all suites and tiers)
    expected: dict[str, list[str]] = Field(default_factory=dict)  # suite name -> scenario ids it should run
    run_dir: Path | None = None  # to resolve transcript paths
    calibration: CalibrationLookup | None = None  # the project's calibration records (None: not looked up)
    labels: list[RunLabel] | None = None  # human labels of this run's trials (None: not looked up)
    today: date | None = None  # for judge_trust.max_age_days; None: today (UTC)

    def gate_for(self, suite: str) -> GateConfig:
        return self.gates.get(suite, GateConfig())

    def evidence_for(self, criteria: list[ResultRow]) -> JudgeEvidence:
        """What the judge_trust and corrected checks of one suite x tier read, given its criterion rows."""
        extra = {"today": self.today} if self.today is not None else {}
        return JudgeEvidence(criteria=criteria, calibration=self.calibration, labels=self.labels, **extra)

    def baseline_for(self, suite: str, tier: str) -> list[TrialRecord] | None:
        if self.baseline is None:
            return None
        return [t for t in self.baseline if t.suite == suite and t.tier == tier]


class RunVerdict(BaseModel):
    """Scenario verdicts in run order (each names its suite), gates per suite x tier, and what the run says."""

    scenarios: list[ScenarioVerdict] = Field(default_factory=list)
    gates: list[GateResult] = Field(default_factory=list)

    @property
    def outcome(self) -> RunOutcome:
        """fail > error > invalid > inconclusive > pass; empty when nothing ran."""
        outcomes = {s.outcome for s in self.scenarios} | {g.outcome for g in self.gates}
        for outcome in _SEVERITY:
            if outcome in outcomes:
                return outcome
        return "pass" if self.scenarios else "empty"

    @property
    def failed(self) -> bool:
        """Would CI fail? Any scenario not passing, or any gate that fails (inconclusive per its policy)."""
        return any(s.outcome in _NOT_PASSING for s in self.scenarios) or any(g.failed for g in self.gates)

    def failing_scenarios(self, suite: str, tier: str) -> list[str]:
        """Scenario ids of one suite and tier that did not pass (what a failed gate points at)."""
        return [
            s.scenario_id for s in self.scenarios if s.tier == tier and s.suite == suite and s.outcome in _NOT_PASSING
        ]


def decide_run(trials: list[TrialRecord], criteria: list[ResultRow], inputs: VerdictInputs) -> RunVerdict:
    """Decide every scenario (suite x scenario x tier) and every suite gate (suite x tier) of a run."""
    groups: dict[tuple[str, str, str], list[TrialRecord]] = defaultdict(list)
    for t in trials:
        groups[(t.suite, t.scenario_id, t.tier)].append(t)
    crit_groups: dict[tuple[str, str, str], list[ResultRow]] = defaultdict(list)
    for c in criteria:
        crit_groups[(c.suite, c.scenario_id, c.tier)].append(c)
    verdict = RunVerdict()
    for (suite, sid, tier), rows in groups.items():  # run order
        verdict.scenarios.append(
            decide_scenario(
                sorted(rows, key=lambda r: r.trial),
                crit_groups[(suite, sid, tier)],
                inputs.gate_for(suite),
                inputs.run_dir,
            )
        )
    for suite, tier in dict.fromkeys((t.suite, t.tier) for t in trials):
        mine = [t for t in trials if t.suite == suite and t.tier == tier]
        scored = [c for c in criteria if c.suite == suite and c.tier == tier]
        verdict.gates.append(
            decide_gate(
                mine,
                inputs.gate_for(suite),
                baseline=inputs.baseline_for(suite, tier),
                expected=inputs.expected.get(suite),
                evidence=inputs.evidence_for(scored),
            )
        )
    return verdict
