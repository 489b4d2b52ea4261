"""A run as tidy pandas frames, for notebooks: `load_run(path).to_pandas()`.

    frames = load_run("latest").to_pandas()
    frames.trials     # one row per trial (session)             key: run_id, suite, scenario, tier, trial
    frames.scores     # one row per criterion / check reading   key: the trial's + rubric_ref, criterion_id
    frames.costs      # one row per trial x role                key: the trial's + role
    frames.verdicts   # one row per suite x scenario x tier     key: run_id, suite, scenario, tier
    frames.gates      # one row per check of a gate             key: run_id, suite, tier, kind

Columns and dtypes are fixed (`evalkit.run.frame_schema`), so frames of many runs concatenate with
`pd.concat` and keep their dtypes. Verdicts and gates are `evalkit.verdicts.decide_run`'s, decided as
the report decides them. docs/notebooks.md documents every column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from evalkit.run import frame_schema as schema
from evalkit.run.frame_schema import typed_frame
from evalkit.run.recorded_verdict import decide_recorded, typed_rows
from evalkit.run.trial_frames import cost_records, score_record, trial_record
from evalkit.run.verdict_frames import gate_records, verdict_records

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.run.load import LoadedRun

FRAMES = ("trials", "scores", "costs", "verdicts", "gates")
ALIASES = {"sessions": "trials"}  # the trials frame's name before it matched evalkit.history's frames


@dataclass(frozen=True)
class RunFrames:
    """The frames of one run, by attribute or by name (`frames["trials"]`); `keys()` lists the names."""

    trials: pd.DataFrame
    scores: pd.DataFrame
    costs: pd.DataFrame
    verdicts: pd.DataFrame
    gates: pd.DataFrame

    @property
    def sessions(self) -> pd.DataFrame:
        """The trials frame by its earlier name."""
        return self.trials

    def __getitem__(self, name: str) -> pd.DataFrame:
        canonical = ALIASES.get(name, name)
        if canonical not in FRAMES:
            raise KeyError(f"no frame {name!r}; a run's frames are {', '.join(FRAMES)}")
        frame: pd.DataFrame = getattr(self, canonical)
        return frame

    def keys(self) -> list[str]:
        return list(FRAMES)

    def items(self) -> list[tuple[str, pd.DataFrame]]:
        return [(name, self[name]) for name in FRAMES]


def run_frames(run: LoadedRun) -> RunFrames:
    """Every frame of a loaded run (its rows read as evalkit's row models, its verdict decided once)."""
    trials, results = typed_rows(run)
    verdict = decide_recorded(run, trials, results)
    return RunFrames(
        trials=typed_frame([trial_record(run.run_id, t) for t in trials], schema.TRIALS),
        scores=typed_frame([score_record(run.run_id, r) for r in results], schema.SCORES),
        costs=typed_frame([c for t in trials for c in cost_records(run.run_id, t)], schema.COSTS),
        verdicts=typed_frame(verdict_records(run.run_id, verdict), schema.VERDICTS),
        gates=typed_frame(gate_records(run.run_id, verdict), schema.GATES),
    )
