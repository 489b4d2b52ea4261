"""Gate rows for the report header, decided by `evalkit.verdicts` (never re-derived here).

The gate config comes from run.json when recorded there, else from the suite file it names.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from evalkit.report.rundata import RunData
from evalkit.report.verdict_view import GateRow, gate_views
from evalkit.spec import SpecError, load_suite
from evalkit.spec.models import GateConfig
from evalkit.run.run_dir import TRIALS
from evalkit.run.tier_compat import read_trials
from evalkit.run.trust_inputs import with_judge_evidence
from evalkit.verdicts import RunVerdict, TrialRecord, VerdictInputs, decide_run

__all__ = ["GateRow", "gate_config", "gate_rows", "run_verdict"]


def gate_config(run: RunData, suite: str) -> GateConfig:
    """The suite's gate: from run.json when recorded there, else from the suite file, else the defaults."""
    for entry in run.manifest.get("suites", []) or []:
        if entry.get("name") != suite:
            continue
        if isinstance(entry.get("gate"), dict):
            try:
                return GateConfig.model_validate(entry["gate"])
            except ValidationError:
                break
        if entry.get("path"):
            return _gate_from_file(str(entry["path"]))
    return GateConfig()


@lru_cache(maxsize=32)
def _gate_from_file(path: str) -> GateConfig:
    try:
        return load_suite(path).suite.gate
    except (OSError, SpecError, ValueError):
        return GateConfig()


def run_verdict(run: RunData) -> RunVerdict:
    """The run's verdict, decided by `evalkit.verdicts.decide_run` from its rows, its suites' gate configs,
    the baseline run it was gated against (so the report shows the same regression check as pytest did),
    and the project's calibration records and this run's labels (the judge_trust and corrected checks)."""
    suites = {t.suite for t in run.trials}
    inputs = VerdictInputs(gates={suite: gate_config(run, suite) for suite in suites}, run_dir=run.path,
                           baseline=_baseline_trials(run))
    return decide_run(run.trials, run.results, with_judge_evidence(inputs, run.trials))


def _baseline_trials(run: RunData) -> list[TrialRecord] | None:
    """The recorded baseline's trials; None when the run had none or that directory is gone."""
    recorded = (run.manifest.get("config") or {}).get("baseline")
    path = Path(recorded) / TRIALS if isinstance(recorded, str) else None
    if path is None or not path.is_file():
        return None
    return [TrialRecord.model_validate(row) for row in read_trials(path.parent)]  # an old run's short tiers mapped


def gate_rows(verdict: RunVerdict) -> list[GateRow]:
    """One row per gate check of every suite x tier, as `evalkit.verdicts` decided them."""
    return [row for view in gate_views(verdict) for row in view.checks]
