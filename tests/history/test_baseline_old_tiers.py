"""A run whose baseline was written while tiers were short model names is decided against that baseline's full tiers."""

from __future__ import annotations

import shutil
from pathlib import Path

from evalkit.run.recorded_verdict import _baseline
from evalkit.run.run_dir import read_rows

OLD_RUN = Path(__file__).parents[1] / "run" / "data" / "old_tier_run"


def test_an_old_baseline_reads_with_todays_tiers(tmp_path: Path) -> None:
    old = shutil.copytree(OLD_RUN, tmp_path / "old-tier-run")
    assert {r["tier"] for r in read_rows(old / "trials.jsonl")} == {"agent-m", "agent-x"}  # as the old writer left it
    baseline = _baseline({"config": {"baseline": str(old)}})
    assert baseline is not None and baseline
    assert {t.tier for t in baseline} == {
        "openai:agent-m",
        "openai:agent-x",
    }  # pairs with a new run's tier, not a missing one
