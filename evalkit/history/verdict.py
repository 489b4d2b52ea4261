"""The verdict of a run read back from its directory, decided by `evalkit.verdicts.decide_run`.

The pytest plugin hands its decided verdict to the recorder; a backfilled run (`evalkit history import`)
is decided here the way the report decides it: gate configs from run.json or the suite files, the
recorded baseline, the project's calibration records and labels.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from evalkit.run import LoadedRun
from evalkit.run.recorded_inputs import recorded_baseline, recorded_gate
from evalkit.run.trust_inputs import with_judge_evidence
from evalkit.verdicts import ResultRow, TrialRecord, VerdictInputs, decide_run


def decide_verdict(loaded: LoadedRun) -> str | None:
    """The run's outcome (`RunVerdict.outcome`), or None when its rows cannot be read as evalkit rows."""
    try:
        trials = [TrialRecord.model_validate(t) for t in loaded.trials]
        results = [ResultRow.model_validate(r) for r in loaded.results]
    except ValidationError:
        return None
    suites = {t.suite for t in trials}
    inputs = VerdictInputs(
        gates={s: recorded_gate(loaded.manifest, s) for s in suites},
        run_dir=loaded.path,
        baseline=_baseline(loaded.manifest),
    )
    return decide_run(trials, results, with_judge_evidence(inputs, trials)).outcome


def _baseline(manifest: dict[str, Any]) -> list[TrialRecord] | None:
    try:
        return recorded_baseline(manifest)
    except ValidationError:  # a baseline written by something else: decided without it
        return None
