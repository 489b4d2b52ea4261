"""Synthetic history frames with the exact columns of `evalkit.history.frames.load_frames`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from evalkit.history.frames import RUN_COLUMNS, TRIAL_COLUMNS, HistoryFrames

START = pd.Timestamp("2026-11-01 09:00", tz="UTC")


def frames(
    cells: dict[tuple[str, str, str], Sequence[str]],
    *,
    report_root: str = "reports",
    cost: Sequence[float | None] | None = None,
    branch: str = "main",
    scores: dict[str, float] | None = None,
) -> HistoryFrames:
    """History from `{(suite, scenario, tier): ["ppf", "pfi", ...]}`: one string per run, one letter per trial.

    Letters: p = pass, f = fail, i = invalid, e = error, "" = the cell did not run in that run.
    Run i starts i days after START; every cell lists the same number of runs.
    """
    letter = {"p": "pass", "f": "fail", "i": "invalid", "e": "error"}
    scores = scores or {"pass": 0.9, "fail": 0.2}
    n_runs = max(len(v) for v in cells.values())
    run_rows, trial_rows = [], []
    for r in range(n_runs):
        run_id, started = f"run-{r:03d}", START + pd.Timedelta(days=r)
        suites = sorted({suite for (suite, _, _), runs in cells.items() if r < len(runs) and runs[r]})
        for (suite, scenario, tier), runs in cells.items():
            for t, ch in enumerate(runs[r] if r < len(runs) else ""):
                outcome = letter[ch]
                trial_rows.append(
                    {
                        "run_id": run_id,
                        "started_at": started,
                        "branch": branch,
                        "suite": suite,
                        "scenario": scenario,
                        "tier": tier,
                        "trial": t,
                        "outcome": outcome,
                        "score": scores.get(outcome),
                    }
                )
        valid = [t for t in trial_rows if t["run_id"] == run_id and t["outcome"] in ("pass", "fail")]
        rate = sum(t["outcome"] == "pass" for t in valid) / len(valid) if valid else None
        run_rows.append(
            {
                "run_id": run_id,
                "started_at": started,
                "ended_at": started + pd.Timedelta(minutes=5),
                "status": "completed",
                "branch": branch,
                "commit": f"c{r:06x}",
                "suite": ", ".join(suites),
                "verdict": "pass" if rate is not None and rate >= 0.8 else "fail",
                "pass_rate": rate,
                "cost_usd": None if cost is None else cost[r],
                "report_path": f"{report_root}/{run_id}/report.html",
                "instrument": "fp-1",
            }
        )
    return HistoryFrames(
        runs=pd.DataFrame(run_rows, columns=RUN_COLUMNS), trials=pd.DataFrame(trial_rows, columns=TRIAL_COLUMNS)
    )


def recorded_history(
    reports: Path,
    runs: Sequence[dict[str, list[str]]],
    *,
    suite: str = "support",
    tier: str = "mock:small",
    branch: str = "main",
) -> str:
    """Run directories (one per entry of `runs`: scenario -> trial outcomes), each with a report.html,
    recorded into a fresh SQLite history through the store's own `record_dir`; returns its URL."""
    from history_run_dirs import RunSpec, write_run

    from evalkit.history import record_dir
    from evalkit.history.capture import RunPlace

    url = f"sqlite:///{reports / 'history.db'}"
    for i, outcomes in enumerate(runs):
        started = (START + pd.Timedelta(days=i)).strftime("%Y-%m-%dT10:00:00+00:00")
        run_dir = write_run(
            reports, RunSpec(f"run-{i:03d}", outcomes=dict(outcomes), suite=suite, tier=tier, started_at=started)
        )
        (run_dir / "report.html").write_text("<!doctype html><title>run report</title>")
        record_dir(url, run_dir, place=RunPlace(branch=branch))
    return url
