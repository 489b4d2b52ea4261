"""What a run directory recorded for deciding its verdict, read back by the report and by history.

run.json's `suites` entries carry each suite's gate config (an older run names only the suite
file, whose gate is read then; a run with neither is gated by the defaults), and its config names
the baseline run it was gated against.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from evalkit.run.run_dir import TRIALS
from evalkit.run.tier_compat import read_trials
from evalkit.spec import SpecError, load_suite
from evalkit.spec.models import GateConfig
from evalkit.verdicts import TrialRecord


def recorded_gate(manifest: dict[str, Any], suite: str) -> GateConfig:
    """The suite's gate: from run.json when recorded there, else from the suite file, else the defaults."""
    for entry in manifest.get("suites") or []:
        if entry.get("name") != suite:
            continue
        if isinstance(entry.get("gate"), dict):
            try:
                return GateConfig.model_validate(entry["gate"])
            except ValidationError:
                break
        if entry.get("path"):
            return gate_from_file(str(entry["path"]))
    return GateConfig()


@lru_cache(maxsize=32)
def gate_from_file(path: str) -> GateConfig:
    """Each suite file is read once per process (a report of many runs names the same files)."""
    try:
        return load_suite(path).suite.gate
    except (OSError, SpecError, ValueError):
        return GateConfig()


def recorded_baseline(manifest: dict[str, Any]) -> list[TrialRecord] | None:
    """The baseline run's trials (an old run's short tiers mapped); None when there was none or it is gone.

    Raises pydantic's ValidationError when its rows are not evalkit's."""
    recorded = (manifest.get("config") or {}).get("baseline")
    path = Path(recorded) / TRIALS if isinstance(recorded, str) else None
    if path is None or not path.is_file():
        return None
    return [TrialRecord.model_validate(row) for row in read_trials(path.parent)]
