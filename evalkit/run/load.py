"""Reading a run directory back: for notebooks, the report and compare."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evalkit.run.events import read_events
from evalkit.run.frames import RunFrames, run_frames
from evalkit.run.integrity import group_rows, logged_decisions, row_problems
from evalkit.run.run_dir import EVENTS, RESULTS, TRIALS, RunDir, read_rows, resolve_run_dir
from evalkit.run.tier_compat import TierAliases, upgraded

__all__ = ["LoadedRun", "RunFrames", "load_run"]


class LoadedRun:
    """A finished (or interrupted) run read from disk.

    Rows that disagree with the event log (lost, doubled, or for another transcript) are listed in
    `problems`; a run that ended reads `inconsistent` (in `manifest` too, so every report says it)
    instead of presenting partial numbers as a finished run's. A run written while tiers were
    short names reads with full ones (`evalkit.run.tier_compat`; the mapping is in `tier_aliases`).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._dir = RunDir(path)
        stored = self._dir.read_manifest()
        trials, results, manifest, aliases = upgraded(read_rows(path / TRIALS), read_rows(path / RESULTS), stored)
        self.manifest: dict[str, Any] = manifest
        self.trials: list[dict[str, Any]] = trials
        self.results: list[dict[str, Any]] = results
        self._aliases = aliases if manifest is not stored else None  # set only for a run of the old form
        self.tier_aliases: dict[str, str] = dict(aliases.map) if self._aliases else {}  # short -> full, as applied
        self.problems: list[str] = _problems(path, self.trials, self.results, self._aliases)
        if self.problems and self.status != "running":  # a running (or killed) run is mid-write: it says so already
            self.manifest.update(
                status="inconsistent",
                status_reason="; ".join(self.problems),
                status_recorded=self.manifest.get("status"),
            )

    @property
    def run_id(self) -> str:
        return self.manifest.get("run_id", self.path.name)

    @property
    def status(self) -> str:
        return self.manifest.get("status", "unknown")

    def events(self) -> list[dict[str, Any]]:
        """events.jsonl, with the keys of an old-form run mapped like its rows."""
        rename = self._aliases.key if self._aliases else None
        return [{**e, "key": rename(e["key"])} if rename and "key" in e else e for e in read_events(self.path / EVENTS)]

    def transcript(self, trial: dict[str, Any]) -> Any:
        """The Transcript of a trials row (None when its file is missing)."""
        return self._dir.read_transcript(trial["transcript_path"])

    def to_pandas(self) -> RunFrames:
        """Tidy frames of this run: trials, scores, costs, verdicts and gates (`evalkit.run.frames`,
        every column in docs/notebooks.md)."""
        return run_frames(self)


def _problems(
    path: Path, trials: list[dict[str, Any]], results: list[dict[str, Any]], aliases: TierAliases | None
) -> list[str]:
    """Rows against the event log (a run without one, e.g. hand-made, is checked only against itself)."""
    events = path / EVENTS
    decided = logged_decisions(events, aliases.key if aliases else None) if events.exists() else None
    return row_problems(group_rows(trials, results), decided)


def load_run(path: str | Path = "latest", report_dir: str | Path | None = None) -> LoadedRun:
    """Load a run directory, `latest`, or a reports directory's latest run."""
    return LoadedRun(resolve_run_dir(path, Path(report_dir) if report_dir else None))
