"""Reading a run directory back: for notebooks, the report and compare."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalkit.run.events import read_events
from evalkit.run.integrity import group_rows, logged_decisions, row_problems
from evalkit.run.run_dir import EVENTS, RESULTS, TRIALS, RunDir, read_rows, resolve_run_dir
from evalkit.run.tier_compat import TierAliases, upgraded

_ROLES = ("agent", "simulator", "judge")


@dataclass
class RunFrames:
    """Tidy DataFrames of one run: one row per session, per criterion score, per session x role cost."""

    sessions: Any  # pandas.DataFrame
    scores: Any
    costs: Any

    def __getitem__(self, name: str) -> Any:
        return getattr(self, name)

    def keys(self) -> list[str]:
        return ["sessions", "scores", "costs"]


def _flatten_session(row: dict[str, Any]) -> dict[str, Any]:
    flat = {k: v for k, v in row.items() if k not in ("tokens", "cost_usd")}
    tokens = row.get("tokens") or {}
    cost = row.get("cost_usd") or {}
    for role in _ROLES:
        t = tokens.get(role) or {}
        flat[f"tokens_{role}_input"] = t.get("input", 0)
        flat[f"tokens_{role}_output"] = t.get("output", 0)
        flat[f"cost_{role}_usd"] = cost.get(role)
    flat["cost_total_usd"] = cost.get("total")
    return flat


def _cost_rows(row: dict[str, Any]) -> list[dict[str, Any]]:
    tokens = row.get("tokens") or {}
    cost = row.get("cost_usd") or {}
    return [
        {
            "scenario_id": row["scenario_id"],
            "tier": row["tier"],
            "trial": row["trial"],
            "role": role,
            "input_tokens": (tokens.get(role) or {}).get("input", 0),
            "output_tokens": (tokens.get(role) or {}).get("output", 0),
            "cost_usd": cost.get(role),
        }
        for role in _ROLES
    ]


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
            self.manifest.update(status="inconsistent", status_reason="; ".join(self.problems),
                                 status_recorded=self.manifest.get("status"))

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
        import pandas as pd

        session_cols = ["run_id", "suite", "scenario_id", "tier", "trial", "outcome", "score"]
        score_cols = ["run_id", "suite", "scenario_id", "tier", "trial", "rubric_ref", "criterion_id", "outcome", "score"]
        cost_cols = ["scenario_id", "tier", "trial", "role", "input_tokens", "output_tokens", "cost_usd"]
        sessions = pd.DataFrame([_flatten_session(r) for r in self.trials] or None, columns=None if self.trials else session_cols)
        scores = pd.DataFrame(self.results or None, columns=None if self.results else score_cols)
        costs = pd.DataFrame([c for r in self.trials for c in _cost_rows(r)] or None, columns=None if self.trials else cost_cols)
        return RunFrames(sessions=sessions, scores=scores, costs=costs)


def _problems(path: Path, trials: list[dict[str, Any]], results: list[dict[str, Any]],
              aliases: TierAliases | None) -> list[str]:
    """Rows against the event log (a run without one, e.g. hand-made, is checked only against itself)."""
    events = path / EVENTS
    decided = logged_decisions(events, aliases.key if aliases else None) if events.exists() else None
    return row_problems(group_rows(trials, results), decided)


def load_run(path: str | Path = "latest", report_dir: str | Path | None = None) -> LoadedRun:
    """Load a run directory, `latest`, or a reports directory's latest run."""
    return LoadedRun(resolve_run_dir(path, Path(report_dir) if report_dir else None))
