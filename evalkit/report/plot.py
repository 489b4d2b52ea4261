"""`--plot out.png`: score versus agent cost per side, for pasting into documents (matplotlib extra)."""

from __future__ import annotations

from pathlib import Path

from evalkit.report.compare import Comparison
from evalkit.report.compare_output import chart_for
from evalkit.report.rundata import ReportError


class PlotUnavailable(ReportError):
    """matplotlib is not installed."""


def save_plot(comp: Comparison, path: Path) -> Path:
    """Write a PNG scatter of each side's score (the comparison's metric) against its agent cost per session."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise PlotUnavailable("--plot needs matplotlib: pip install 'evalkit[plot]'") from None
    chart = chart_for(comp)
    fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
    for p in chart.points:
        ax.scatter([p.x], [p.y], s=60)
        ax.annotate(p.label, (p.x, p.y), textcoords="offset points", xytext=(6, 6))
    ax.set_xlabel("agent cost per session (USD)")
    ax.set_ylabel(comp.config.metric)
    ax.set_ylim(0, 1.05)
    ax.set_xlim(left=0)
    ax.set_title(" vs ".join(comp.sides))
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
