"""What the run hands back per work item and for the whole run."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

RunStatus = Literal["running", "complete", "interrupted", "budget_stopped", "failed"]


@dataclass(slots=True)
class ItemResult:
    """One trial's finished records, or why it was not run.

    The rows are kept as the JSON text written to trials.jsonl / results.jsonl and
    decoded on access: a run of 10,000 sessions holds all its results for the
    pytest plugin, and compact text keeps that to about 2 KB per session.
    """

    key: str
    item_key: str  # scenario x tier: the pytest item this trial belongs to
    status: Literal["done", "not_run"]
    reason: str | None = None  # why it was not run (budget, interruption)
    resumed: bool = False  # kept from the run being resumed
    trial_json: str | None = field(default=None, repr=False)  # the trials.jsonl line
    results_json: str = field(default="", repr=False)  # its results.jsonl lines

    @property
    def trial(self) -> dict[str, Any] | None:
        """The trials.jsonl row."""
        return json.loads(self.trial_json) if self.trial_json else None

    @property
    def results(self) -> list[dict[str, Any]]:
        """Its results.jsonl rows (one per criterion and check)."""
        return [json.loads(line) for line in self.results_json.splitlines() if line]


ResultCallback = Callable[[ItemResult], None]


class RunSummary(BaseModel):
    run_id: str
    run_dir: Path
    status: RunStatus
    status_reason: str | None = None
    planned: int
    decided: int
    kept_from_resume: int = 0
    not_run: int = 0
    totals: dict[str, Any] = Field(default_factory=dict)
