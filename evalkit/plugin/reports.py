"""report.html and summary.md in the run directory of every run the plugin decides.

A plain `pytest --evalkit-live` (the CI path) and `evalkit run` leave the same
files, so `reports/latest` always has a report to open.
"""

from __future__ import annotations

from pathlib import Path

REPORT = "report.html"
SUMMARY = "summary.md"


def write_reports(run_dir: Path | None) -> tuple[Path | None, str | None]:
    """Write report.html and summary.md into `run_dir`; (the report's path, None) or (None, why it is missing).

    A report that cannot be written never fails the run: the reason is shown instead.
    """
    if run_dir is None or not run_dir.is_dir():
        return None, None
    try:
        from evalkit.report import write_html_report, write_markdown_summary

        report = write_html_report(run_dir)
        write_markdown_summary(run_dir)
    except Exception as err:  # noqa: BLE001 - the run itself is done; say why the report is missing
        return None, f"{type(err).__name__}: {err}"
    return report, None


def is_current(run_dir: Path) -> bool:
    """report.html exists and was written after run.json last changed (nothing newer to show)."""
    report, manifest = run_dir / REPORT, run_dir / "run.json"
    return report.exists() and (not manifest.exists() or report.stat().st_mtime_ns >= manifest.stat().st_mtime_ns)
