"""Reports of a run (HTML, Markdown) and comparisons of runs or tiers.

`render_html_report` / `write_html_report` make the self-contained `report.html`;
`render_markdown_summary` the CI summary; `compare_runs` pairs runs (or the
tiers of one run) by scenario and trial and decides non-inferiority.
"""

from evalkit.report.comparability import ComparabilityError, Mismatch
from evalkit.report.compare import CompareConfig, Comparison, PairComparison, Scorecard, compare_runs
from evalkit.report.compare_output import comparison_rows, print_table, to_csv, to_html, to_json, to_markdown
from evalkit.report.html import render_html_report, write_html_report
from evalkit.report.markdown import render_markdown_summary, write_markdown_summary
from evalkit.report.rundata import ReportError, RunData, open_run

__all__ = [
    "ComparabilityError",
    "CompareConfig",
    "Comparison",
    "Mismatch",
    "PairComparison",
    "ReportError",
    "RunData",
    "Scorecard",
    "compare_runs",
    "comparison_rows",
    "open_run",
    "print_table",
    "render_html_report",
    "render_markdown_summary",
    "to_csv",
    "to_html",
    "to_json",
    "to_markdown",
    "write_html_report",
    "write_markdown_summary",
]
