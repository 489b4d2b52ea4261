"""A report section in two parts: a view function over the run's rows, and a jinja2 macro that shows it."""

from __future__ import annotations

from dataclasses import dataclass

from evalkit.report.rundata import RunData


@dataclass(frozen=True)
class SlowTrial:
    scenario_id: str
    tier: str
    trial: int
    latency_s: float


def slowest_trials(run: RunData, n: int = 5) -> list[SlowTrial]:
    """The n slowest sessions of the run; an empty list means the page shows no section."""
    timed = [t for t in run.trials if t.latency_s is not None]
    timed.sort(key=lambda t: t.latency_s or 0.0, reverse=True)
    return [SlowTrial(t.scenario_id, t.tier, t.trial, t.latency_s or 0.0) for t in timed[:n]]


MACRO = """
{% macro slowest_section(rows) %}
<h2 id="slowest">Slowest trials</h2>
<table id="slowest-table"><tr><th>scenario</th><th>tier</th><th>trial</th><th>seconds</th></tr>
{% for r in rows %}
<tr><td>{{ r.scenario_id }}</td><td>{{ r.tier }}</td><td class="n">{{ r.trial }}</td><td class="n">{{ r.latency_s|num(1) }}</td></tr>
{% endfor %}
</table>
{% endmacro %}
"""
