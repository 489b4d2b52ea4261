"""The verdict of a run read back from its directory, decided by `evalkit.verdicts.decide_run`.

The pytest plugin hands its decided verdict to the recorder; a backfilled run (`evalkit history import`)
is decided here the way every reader of a run directory decides it (`evalkit.run.recorded_verdict`):
gate configs from run.json or the suite files, the recorded baseline, the project's calibration
records and labels.
"""

from __future__ import annotations

from pydantic import ValidationError

from evalkit.run import LoadedRun
from evalkit.run.recorded_verdict import decide_recorded
from evalkit.verdicts import ResultRow, TrialRecord


def decide_verdict(loaded: LoadedRun) -> str | None:
    """The run's outcome (`RunVerdict.outcome`), or None when its rows cannot be read as evalkit rows."""
    try:
        trials = [TrialRecord.model_validate(t) for t in loaded.trials]
        results = [ResultRow.model_validate(r) for r in loaded.results]
    except ValidationError:
        return None
    return decide_recorded(loaded, trials, results).outcome
