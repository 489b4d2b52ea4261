"""What the run hands back per work item and for the whole run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

RunStatus = Literal["running", "complete", "interrupted", "budget_stopped", "failed"]


class ItemResult(BaseModel):
    """One trial's finished records, or why it was not run."""

    key: str
    item_key: str  # scenario x tier: the pytest item this trial belongs to
    status: Literal["done", "not_run"]
    trial: dict[str, Any] | None = None  # the trials.jsonl row
    results: list[dict[str, Any]] = Field(default_factory=list)  # its results.jsonl rows
    reason: str | None = None  # why it was not run (budget, interruption)
    resumed: bool = False  # kept from the run being resumed


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
