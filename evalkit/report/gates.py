"""Gate rows for the report header, decided by `evalkit.verdicts` (never re-derived here).

The gate config comes from run.json when recorded there, else from the suite file it names.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, ValidationError

from evalkit.report.overview import Overview
from evalkit.report.rundata import RunData
from evalkit.spec import SpecError, load_suite
from evalkit.spec.models import GateConfig
from evalkit.verdicts import RunVerdict, VerdictInputs, decide_run


class GateRow(BaseModel):
    suite: str = ""
    tier: str = ""
    name: str
    decision: str  # pass | fail | inconclusive | skipped
    detail: str = ""


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
    """The run's verdict, decided by `evalkit.verdicts.decide_run` from its rows and its suites' gate configs."""
    suites = {t.suite for t in run.trials}
    inputs = VerdictInputs(gates={suite: gate_config(run, suite) for suite in suites}, run_dir=run.path)
    return decide_run(run.trials, run.results, inputs)


def gate_rows(run: RunData, overview: Overview | None = None) -> list[GateRow]:
    """One row per gate check of every suite x tier, as `evalkit.verdicts` decides them."""
    verdict = run_verdict(run)
    return [GateRow(suite=g.suite, tier=g.tier, name=c.name, decision=c.decision, detail=c.detail)
            for g in verdict.gates for c in g.checks]
