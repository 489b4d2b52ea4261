"""Gate rows for the report header, decided by `evalkit.verdicts` (never re-derived here).

The gate config comes from run.json when recorded there, else from the suite file it names.
"""

from __future__ import annotations

from evalkit.report.rundata import RunData
from evalkit.report.verdict_view import GateRow, gate_views
from evalkit.run.recorded_inputs import recorded_baseline, recorded_gate
from evalkit.run.trust_inputs import with_judge_evidence
from evalkit.spec.models import GateConfig
from evalkit.verdicts import RunVerdict, VerdictInputs, decide_run

__all__ = ["GateRow", "gate_config", "gate_rows", "run_verdict"]


def gate_config(run: RunData, suite: str) -> GateConfig:
    """The suite's gate: from run.json when recorded there, else from the suite file, else the defaults."""
    return recorded_gate(run.manifest, suite)


def run_verdict(run: RunData) -> RunVerdict:
    """The run's verdict, decided by `evalkit.verdicts.decide_run` from its rows, its suites' gate configs,
    the baseline run it was gated against (so the report shows the same regression check as pytest did),
    and the project's calibration records and this run's labels (the judge_trust and corrected checks)."""
    suites = {t.suite for t in run.trials}
    inputs = VerdictInputs(
        gates={suite: gate_config(run, suite) for suite in suites},
        run_dir=run.path,
        baseline=recorded_baseline(run.manifest),
    )
    return decide_run(run.trials, run.results, with_judge_evidence(inputs, run.trials))


def gate_rows(verdict: RunVerdict) -> list[GateRow]:
    """One row per gate check of every suite x tier, as `evalkit.verdicts` decided them."""
    return [row for view in gate_views(verdict) for row in view.checks]
