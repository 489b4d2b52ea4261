"""Geometry for the inline-SVG score-versus-cost chart (numbers only; the template draws)."""

from __future__ import annotations

from pydantic import BaseModel

WIDTH, HEIGHT, PAD = 520, 300, 48


class Point(BaseModel):
    label: str
    x: float  # agent cost per session, USD
    y: float  # pass rate or mean score, 0..1
    px: float
    py: float


class Tick(BaseModel):
    pos: float
    text: str


class Scatter(BaseModel):
    width: int = WIDTH
    height: int = HEIGHT
    pad: int = PAD
    points: list[Point]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    missing: list[str]  # sides without a known cost or score


def scatter(points: list[tuple[str, float | None, float | None]]) -> Scatter:
    """Place (label, cost, score) points; cost axis from 0 to the largest cost (+10%)."""
    known = [(lbl, x, y) for lbl, x, y in points if x is not None and y is not None]
    top = max([x for _, x, _ in known] or [1.0]) * 1.1 or 1.0
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD

    def px(x: float) -> float:
        return round(PAD + x / top * inner_w, 1)

    def py(y: float) -> float:
        return round(HEIGHT - PAD - y * inner_h, 1)

    return Scatter(
        points=[Point(label=lbl, x=x, y=y, px=px(x), py=py(y)) for lbl, x, y in known],
        x_ticks=[Tick(pos=px(top * i / 4), text=f"${top * i / 4:.4f}") for i in range(5)],
        y_ticks=[Tick(pos=py(i / 4), text=f"{i / 4:.2f}") for i in range(5)],
        missing=[lbl for lbl, x, y in points if x is None or y is None],
    )
