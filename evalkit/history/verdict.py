"""The verdict of a run read back from its directory, decided by `evalkit.verdicts.decide_run`.

The pytest plugin hands its decided verdict to the recorder; a backfilled run (`evalkit history import`)
is decided here the way the report decides it: gate configs from run.json or the suite files, the
recorded baseline, the project's calibration records and labels.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from evalkit.run import LoadedRun
from evalkit.run.run_dir import TRIALS
from evalkit.run.tier_compat import read_trials
from evalkit.run.trust_inputs import with_judge_evidence
from evalkit.spec.models import GateConfig
from evalkit.verdicts import ResultRow, TrialRecord, VerdictInputs, decide_run


def decide_verdict(loaded: LoadedRun) -> str | None:
    """The run's outcome (`RunVerdict.outcome`), or None when its rows cannot be read as evalkit rows."""
    try:
        trials = [TrialRecord.model_validate(t) for t in loaded.trials]
        results = [ResultRow.model_validate(r) for r in loaded.results]
    except ValidationError:
        return None
    suites = {t.suite for t in trials}
    inputs = VerdictInputs(gates={s: _gate_config(loaded.manifest, s) for s in suites}, run_dir=loaded.path,
                           baseline=_baseline(loaded.manifest))
    return decide_run(trials, results, with_judge_evidence(inputs, trials)).outcome


def _gate_config(manifest: dict[str, Any], suite: str) -> GateConfig:
    for entry in manifest.get("suites") or []:
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
    from evalkit.spec import SpecError, load_suite

    try:
        return load_suite(path).suite.gate
    except (OSError, SpecError, ValueError):
        return GateConfig()


def _baseline(manifest: dict[str, Any]) -> list[TrialRecord] | None:
    recorded = (manifest.get("config") or {}).get("baseline")
    path = Path(recorded) / TRIALS if isinstance(recorded, str) else None
    if path is None or not path.is_file():
        return None
    try:
        return [TrialRecord.model_validate(row) for row in read_trials(path.parent)]  # an old run's short tiers mapped
    except ValidationError:
        return None
