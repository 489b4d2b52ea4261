"""What the history page shows, as numbers and plain strings: chart geometry, heatmap cells, run links.

The template only places these; every figure comes from the same functions the
terminal commands call (trend, flaky, drift), so the page and `evalkit history
...` never disagree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from evalkit.history.run_cells import CELL, FramesLike, per_run
from evalkit.history.trend import TrendConfig, TrendPoint, trend

WIDTH, HEIGHT = 640.0, 150.0
LEFT, RIGHT, TOP, BOTTOM = 36.0, 10.0, 8.0, 18.0


@dataclass
class RunView:
    index: int
    run_id: str
    started: str
    branch: str
    commit: str
    verdict: str
    pass_rate: float | None
    cost: float | None
    href: str | None  # the run's report.html, relative to the page when possible


@dataclass
class Dot:
    x: float
    y: float
    title: str
    href: str | None


@dataclass
class Series:
    """One suite x tier: pass-rate line, its interval band, the mean-score line."""

    suite: str
    tier: str
    line: str  # SVG polyline points
    band: str  # SVG polygon points (upper bounds forward, lower bounds back)
    score_line: str
    dots: list[Dot]


@dataclass
class HeatCell:
    level: str  # css class: r0..r4 by pass rate, inv (no valid trial), none (did not run)
    title: str


@dataclass
class HeatRow:
    suite: str
    scenario: str
    tier: str
    cells: list[HeatCell]


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str
    unknown: bool


@dataclass
class Axis:
    width: float = WIDTH
    height: float = HEIGHT
    left: float = LEFT
    top: float = TOP
    bottom: float = HEIGHT - BOTTOM
    right: float = WIDTH - RIGHT
    ticks: list[tuple[float, str]] = field(default_factory=list)  # (y, label)
    run_ticks: list[tuple[float, str]] = field(default_factory=list)  # (x, run number), at most 12


def run_ticks(n: int) -> list[tuple[float, str]]:
    step = max(1, -(-n // 12))
    return [(x_of(i, n), str(i + 1)) for i in range(0, n, step)]


def x_of(index: int, n: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + span / 2 if n <= 1 else LEFT + span * index / (n - 1)


def y_of(value: float) -> float:
    return TOP + (1.0 - value) * (HEIGHT - TOP - BOTTOM)


def report_href(path: object, page_dir: Path) -> str | None:
    """A link to a run's report.html: relative to the page when on the same drive, else a file: URI.

    Built from a filesystem path and percent-encoded, so no stored value can become a script URL.
    """
    if path is None or (isinstance(path, float) and pd.isna(path)) or not str(path):
        return None
    target = Path(str(path))
    if not target.is_absolute():
        target = Path.cwd() / target
    try:
        return quote(os.path.relpath(target, page_dir.resolve()).replace(os.sep, "/"))
    except ValueError:  # another drive (Windows)
        return target.as_uri()


def run_views(frames: FramesLike, page_dir: Path) -> list[RunView]:
    runs = frames.runs.sort_values(["started_at", "run_id"], kind="stable")
    text = lambda v: "–" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)  # noqa: E731
    number = lambda v: None if v is None or pd.isna(v) else float(v)  # noqa: E731
    return [
        RunView(
            index=i,
            run_id=str(r.run_id),
            started=f"{r.started_at:%Y-%m-%d %H:%M}",
            branch=text(r.branch),
            commit=text(r.commit)[:10],
            verdict=text(r.verdict),
            pass_rate=number(r.pass_rate),
            cost=number(r.cost_usd),
            href=report_href(r.report_path, page_dir),
        )
        for i, r in enumerate(runs.itertuples())
    ]


def _polyline(pairs: list[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in pairs)


def _series(points: list[TrendPoint], index: dict[str, int], runs: list[RunView]) -> Series:
    n = len(runs)
    rated = [p for p in points if p.rate is not None]
    xs = {p.run_id: x_of(index[p.run_id], n) for p in points}
    band = [(xs[p.run_id], y_of(p.rate_high)) for p in rated] + [
        (xs[p.run_id], y_of(p.rate_low)) for p in reversed(rated)
    ]
    dots = [
        Dot(
            x=xs[p.run_id],
            y=y_of(p.rate or 0.0),
            href=runs[index[p.run_id]].href,
            title=(
                f"{p.run_id} {p.started_at:%Y-%m-%d %H:%M}: pass {p.rate:.0%} [{p.rate_low:.0%}-"
                f"{p.rate_high:.0%}], {p.passes}/{p.valid} valid, {p.invalid} invalid, {p.errors} error"
                if p.rate is not None
                else f"{p.run_id}: no valid trial ({p.invalid} invalid, {p.errors} error)"
            ),
        )
        for p in points
    ]
    return Series(
        suite=points[0].suite,
        tier=points[0].tier,
        line=_polyline([(xs[p.run_id], y_of(p.rate)) for p in rated if p.rate is not None]),
        band=_polyline(band),
        score_line=_polyline([(xs[p.run_id], y_of(p.score)) for p in points if p.score is not None]),
        dots=dots,
    )


def trend_series(frames: FramesLike, runs: list[RunView]) -> list[Series]:
    """One series per suite and tier, x = the run's place among all runs on the page."""
    index = {r.run_id: r.index for r in runs}
    out: list[Series] = []
    for suite in sorted(set(frames.trials["suite"].astype(str))):
        result = trend(frames, TrendConfig(target=suite, kind="suite"))
        for tier in result.tiers():
            out.append(_series([p for p in result.points if p.tier == tier], index, runs))
    return out


def _heat(passes: int, valid: int, invalid: int, errors: int, run_id: str) -> HeatCell:
    title = f"{run_id}: {passes}/{valid} pass, {invalid} invalid, {errors} error"
    if not valid:
        return HeatCell(level="inv", title=title)
    return HeatCell(level=f"r{min(4, int(passes / valid * 5))}", title=title)


def heatmap(frames: FramesLike, runs: list[RunView]) -> list[HeatRow]:
    """Rows = suite x scenario x tier, columns = every run on the page, oldest first."""
    counts = per_run(frames.trials, CELL)
    # plain dicts: itertuples' fields type as any pandas scalar, which int() refuses
    by_key = {
        (str(r["run_id"]), str(r["suite"]), str(r["scenario"]), str(r["tier"])): r for r in counts.to_dict("records")
    }
    rows = []
    for (suite, scenario, tier), _ in counts.groupby(CELL, sort=True):
        cells = []
        for run in runs:
            hit = by_key.get((run.run_id, str(suite), str(scenario), str(tier)))
            cells.append(
                HeatCell(level="none", title=f"{run.run_id}: not run")
                if hit is None
                else _heat(int(hit["passes"]), int(hit["valid"]), int(hit["invalid"]), int(hit["errors"]), run.run_id)
            )
        rows.append(HeatRow(suite=str(suite), scenario=str(scenario), tier=str(tier), cells=cells))
    return rows


def cost_bars(runs: list[RunView]) -> tuple[list[Bar], float]:
    """One bar per run scaled to the most expensive run; runs of unknown cost get a marker at the base."""
    top = max((r.cost for r in runs if r.cost is not None), default=0.0) or 1.0
    n = len(runs)
    width = max(2.0, min(24.0, (WIDTH - LEFT - RIGHT) / max(1, n) * 0.7))
    bars = []
    for r in runs:
        x = x_of(r.index, n) - width / 2
        if r.cost is None:
            bars.append(
                Bar(
                    x=x,
                    y=HEIGHT - BOTTOM - 4,
                    width=width,
                    height=4,
                    unknown=True,
                    title=f"{r.run_id} {r.started}: cost unknown (a price was missing)",
                )
            )
            continue
        h = r.cost / top * (HEIGHT - TOP - BOTTOM)
        bars.append(
            Bar(
                x=x,
                y=HEIGHT - BOTTOM - h,
                width=width,
                height=h,
                unknown=False,
                title=f"{r.run_id} {r.started}: ${r.cost:.4f}",
            )
        )
    return bars, top
