"""`evalkit history trend SCENARIO|SUITE`: pass rate and mean score per run, with intervals.

One point per run and tier. Pass rates count valid trials only; invalid and
error trials are counted beside them. The intervals are the ones a single run's
report shows, so a trend point and that run's page agree:

* a scenario: Wilson interval of its passes over its valid trials in the run;
  mean score with a t interval over its valid trials (`clustered_mean`, one cluster),
  clipped to [0, 1] where scores live;
* a suite: `pass_rate_estimate` (mean of scenario rates, clustered by scenario)
  and `clustered_mean` of the scores, cluster = scenario.
"""

from __future__ import annotations

import difflib
from datetime import datetime
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict

from evalkit.history.run_cells import FramesLike, HistoryInputError, counted
from evalkit.stats import clustered_mean, pass_rate_estimate, wilson_interval


class TrendConfig(BaseModel):
    """What to follow: a suite name, a scenario id, or `SUITE/SCENARIO`; optionally one tier or branch."""

    model_config = ConfigDict(frozen=True)

    target: str
    kind: Literal["auto", "suite", "scenario"] = "auto"  # auto: whichever the name is (SUITE/SCENARIO: a scenario)
    tier: str | None = None
    branch: str | None = None
    confidence: float = 0.95


class TrendPoint(BaseModel):
    """One run of one tier."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    started_at: datetime
    branch: str | None
    suite: str
    tier: str
    passes: int
    valid: int
    invalid: int
    errors: int
    rate: float | None
    rate_low: float
    rate_high: float
    score: float | None
    score_low: float | None
    score_high: float | None


class Trend(BaseModel):
    """The points of one target, oldest run first, per tier."""

    model_config = ConfigDict(frozen=True)

    kind: str  # "suite" or "scenario"
    target: str
    confidence: float
    points: list[TrendPoint]

    def tiers(self) -> list[str]:
        return sorted({p.tier for p in self.points})


def _resolve(trials: pd.DataFrame, target: str, kind: str = "auto") -> tuple[str, pd.DataFrame]:
    suites, scenarios = set(trials["suite"].astype(str)), set(trials["scenario"].astype(str))
    if kind == "suite" and target in suites:
        return "suite", trials[trials["suite"] == target]
    if "/" in target and target.split("/", 1)[0] in suites:
        suite, scenario = target.split("/", 1)
        picked = trials[(trials["suite"] == suite) & (trials["scenario"] == scenario)]
        if len(picked):
            return "scenario", picked
    if target in suites and target in scenarios:
        raise HistoryInputError(f"{target!r} is both a suite and a scenario; write SUITE/{target} for the scenario")
    if target in suites:
        return "suite", trials[trials["suite"] == target]
    if target in scenarios:
        return "scenario", trials[trials["scenario"] == target]
    close = difflib.get_close_matches(target, sorted(suites | scenarios), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else f"; known suites: {', '.join(sorted(suites)) or 'none'}"
    raise HistoryInputError(f"no suite or scenario named {target!r} in the history{hint}")


def _point(run: pd.DataFrame, kind: str, confidence: float) -> TrendPoint:
    first = run.iloc[0]
    passes, valid = int(run["pass"].sum()), int(run["pass"].sum() + run["fail"].sum())
    by_scenario = {str(s): g for s, g in run.groupby("scenario", sort=True)}
    scores = {s: g["valid_score"].dropna().tolist() for s, g in by_scenario.items()}
    if kind == "suite":
        counts = {s: (int(g["pass"].sum()), int(g["pass"].sum() + g["fail"].sum())) for s, g in by_scenario.items()}
        est = pass_rate_estimate(counts, confidence)
        rate, low, high = est.mean, est.low if est.low is not None else 0.0, est.high if est.high is not None else 1.0
    else:
        interval = wilson_interval(passes, valid, confidence)
        rate, low, high = interval.estimate, interval.low, interval.high
    mean = clustered_mean(scores, confidence)
    clip = lambda v: None if v is None else min(1.0, max(0.0, v))  # noqa: E731  scores live in [0, 1]
    return TrendPoint(
        run_id=str(first["run_id"]),
        started_at=first["started_at"],
        branch=None if pd.isna(first["branch"]) else str(first["branch"]),
        suite=str(first["suite"]),
        tier=str(first["tier"]),
        passes=passes,
        valid=valid,
        invalid=int(run["invalid"].sum()),
        errors=int(run["error"].sum()),
        rate=rate,
        rate_low=low,
        rate_high=high,
        score=mean.mean,
        score_low=clip(mean.low),
        score_high=clip(mean.high),
    )


def trend(frames: FramesLike, config: TrendConfig) -> Trend:
    """Points for the target, one per (suite, tier, run), in run start order."""
    trials = counted(frames.trials)
    if config.branch is not None:
        trials = trials[trials["branch"] == config.branch]
    kind, picked = _resolve(trials, config.target, config.kind)
    if config.tier is not None:
        tiers = sorted(set(picked["tier"].astype(str)))
        picked = picked[picked["tier"] == config.tier]
        if not len(picked):
            raise HistoryInputError(
                f"--tier {config.tier!r}: {config.target!r} has no trials of that tier; "
                f"expected one of {', '.join(tiers)}"
            )
    groups = picked.groupby(["suite", "tier", "run_id"], sort=False)
    points = [_point(g, kind, config.confidence) for _, g in groups]
    points.sort(key=lambda p: (p.suite, p.tier, p.started_at, p.run_id))
    return Trend(kind=kind, target=config.target, confidence=config.confidence, points=points)


def trend_lines(result: Trend) -> list[str]:
    """The terminal table: a header per suite and tier, one line per run."""
    lines: list[str] = []
    current: tuple[str, str] | None = None
    pct = lambda v: "–" if v is None else f"{v:.0%}"  # noqa: E731
    num = lambda v: "–" if v is None else f"{v:.2f}"  # noqa: E731
    for p in result.points:
        if (p.suite, p.tier) != current:
            current = (p.suite, p.tier)
            where = f"suite {p.suite}" if result.kind == "suite" else f"scenario {result.target} · suite {p.suite}"
            lines.append(f"{where} · tier {p.tier} ({result.confidence:.0%} intervals, valid trials only)")
        lines.append(
            f"  {p.started_at:%Y-%m-%d %H:%M}  {p.run_id}  {p.branch or '–'}  "
            f"pass {pct(p.rate)} [{pct(p.rate_low)}-{pct(p.rate_high)}]  "
            f"score {num(p.score)} [{num(p.score_low)}-{num(p.score_high)}]  "
            f"{p.passes}/{p.valid} valid, {p.invalid} invalid, {p.errors} error"
        )
    return lines
