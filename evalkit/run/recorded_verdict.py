"""A run read back from disk, decided: its rows as evalkit's row models, and `decide_run` over them.

The inputs are the ones the report decides with (`evalkit.report.gates.run_verdict`): each suite's
gate as run.json recorded it, the baseline run it was gated against, the project's calibration
records and this run's labels. Rows that are not evalkit's are refused in one line naming the file,
the row, the key and what was expected.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from evalkit.run.recorded_inputs import recorded_baseline, recorded_gate
from evalkit.run.run_dir import RESULTS, TRIALS
from evalkit.run.trust_inputs import with_judge_evidence
from evalkit.verdicts import ResultRow, RunVerdict, TrialRecord, VerdictInputs, decide_run

if TYPE_CHECKING:
    from evalkit.run.load import LoadedRun

Row = TypeVar("Row", bound=BaseModel)


class RowError(ValueError):
    """A row of trials.jsonl or results.jsonl that evalkit's row model does not accept."""


def typed_rows(run: LoadedRun) -> tuple[list[TrialRecord], list[ResultRow]]:
    """The run's trials and results as `TrialRecord` and `ResultRow` (what every reader decides on)."""
    return _typed(run.trials, TrialRecord, run.path / TRIALS), _typed(run.results, ResultRow, run.path / RESULTS)


def decide_recorded(run: LoadedRun, trials: list[TrialRecord], results: list[ResultRow]) -> RunVerdict:
    """`decide_run` over the run's rows with the inputs it recorded (as the report decides it)."""
    suites = dict.fromkeys(t.suite for t in trials)
    inputs = VerdictInputs(
        gates={s: recorded_gate(run.manifest, s) for s in suites}, run_dir=run.path, baseline=_baseline(run.manifest)
    )
    return decide_run(trials, results, with_judge_evidence(inputs, trials))


def _typed(rows: list[dict[str, Any]], model: type[Row], path: Path) -> list[Row]:
    out = []
    for number, row in enumerate(rows, 1):
        try:
            out.append(model.model_validate(row))
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(part) for part in err["loc"]) or "(row)"
            raise RowError(f"{path}: row {number}: {key}: {err['msg']} (got {err.get('input')!r:.60})") from None
    return out


def _baseline(manifest: dict[str, Any]) -> list[TrialRecord] | None:
    try:
        return recorded_baseline(manifest)
    except ValidationError:  # a baseline written by something else: decided without it, as history does
        return None
