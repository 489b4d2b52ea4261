"""One run, as the report sees it: manifest, trial rows, criterion rows, transcripts.

Reading the run directory belongs to the run engine (`evalkit.run.load_run`);
this module only validates the rows it returns into `TrialRecord` / `ResultRow`
and indexes them, so a tier of a run can be selected like a run of its own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from evalkit.conversation.transcript import Transcript
from evalkit.run import LoadedRun, load_run
from evalkit.verdicts.rows import ResultRow, TrialRecord


class ReportError(Exception):
    """A run directory or comparison the report cannot use; the message is one line for the user."""


@dataclass
class RunData:
    """Rows of one run (or of one tier of it), validated and indexed."""

    path: Path
    manifest: dict[str, Any]
    trials: list[TrialRecord]
    results: list[ResultRow]
    label: str = ""
    source: Any = field(default=None, repr=False)  # the LoadedRun these rows came from
    _by_trial: dict[tuple[str, str, str, int], list[ResultRow]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        index: dict[tuple[str, str, str, int], list[ResultRow]] = defaultdict(list)
        for row in self.results:
            index[row.key].append(row)
        self._by_trial = dict(index)
        if not self.label:
            self.label = self.run_id

    @property
    def run_id(self) -> str:
        return str(self.manifest.get("run_id") or self.path.name)

    @property
    def cost_label(self) -> str:
        """ "cost", or for an offline run a label saying it is a list-price estimate of nothing spent."""
        from evalkit.run.config import cost_label

        return cost_label(bool((self.manifest.get("config") or {}).get("offline")))

    def tiers(self) -> list[str]:
        """Tiers in the order the run was configured (run.json), then any others as first seen: which side a
        comparison of tiers measures against must not depend on which trial happened to finish first."""
        seen = list(dict.fromkeys(t.tier for t in self.trials))
        configured = [t for s in self.manifest.get("suites") or [] for t in s.get("tiers") or []]
        order = [t for t in dict.fromkeys(configured) if t in seen]
        return order + [t for t in seen if t not in order]

    def results_for(self, trial: TrialRecord) -> list[ResultRow]:
        return self._by_trial.get(trial.key, [])

    def select_tier(self, tier: str) -> RunData:
        """The rows of one tier, labelled by it: lets `compare` treat tiers like runs."""
        if tier not in self.tiers():
            raise ReportError(f"{self.path}: no tier {tier!r} in this run (tiers: {', '.join(self.tiers())})")
        return RunData(
            path=self.path,
            manifest=self.manifest,
            trials=[t for t in self.trials if t.tier == tier],
            results=[r for r in self.results if r.tier == tier],
            label=tier,
            source=self.source,
        )

    def transcript(self, trial: TrialRecord) -> Transcript | None:
        """The session's transcript, or None when the file is missing or unreadable."""
        if not trial.transcript_path or self.source is None:
            return None
        return self.source.transcript({"transcript_path": trial.transcript_path})


def open_run(source: Path | str | LoadedRun | RunData) -> RunData:
    """Accept a run directory path (or `latest`) or a `LoadedRun` and return its `RunData`."""
    if isinstance(source, RunData):
        return source
    if not isinstance(source, LoadedRun):
        try:
            source = load_run(source)
        except (OSError, ValueError) as err:
            raise ReportError(str(err).splitlines()[0]) from None
    try:
        trials = [TrialRecord.model_validate(t) for t in source.trials]
        results = [ResultRow.model_validate(r) for r in source.results]
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ReportError(f"{source.path}: unreadable row: {where}: {first['msg']}") from None
    return RunData(path=source.path, manifest=dict(source.manifest), trials=trials, results=results, source=source)
