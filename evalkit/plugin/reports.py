"""report.html and summary.md in the run directory of every run the plugin decides.

A plain `pytest --evalkit-live` (the CI path) and `evalkit run` leave the same
files, so `reports/latest` always has a report to open.
"""

from __future__ import annotations

import threading
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
    from evalkit.run.latest import publish_latest

    publish_latest(run_dir, with_report=True)  # a completed run becomes `latest` only now that its report exists
    return report, None


def warm_up() -> threading.Thread:
    """Import the report code and compile its templates in a daemon thread while the sessions run.

    report.html can only be rendered once the run's gates are decided (it shows pytest's own
    decisions from run.json), so the render itself stays at the end; what it needs first, about
    two thirds of the 0.7 s a 100-session report took (jinja2, the report modules, compiling
    report.html.j2), overlaps the sessions' model latency instead. Failures are left for
    `write_reports` to meet and explain.
    """
    thread = threading.Thread(target=_warm, name="evalkit-report-warm-up", daemon=True)
    thread.start()
    return thread


def _warm() -> None:
    try:
        import evalkit.report  # noqa: F401 - what write_reports imports
        from evalkit.report.render import environment

        for template in ("report.html.j2", "summary.md.j2"):
            environment().get_template(template)
    except Exception:  # noqa: BLE001 - only a head start; write_reports reports real failures
        pass


def is_current(run_dir: Path) -> bool:
    """report.html exists and was written after run.json last changed (nothing newer to show)."""
    report, manifest = run_dir / REPORT, run_dir / "run.json"
    return report.exists() and (not manifest.exists() or report.stat().st_mtime_ns >= manifest.stat().st_mtime_ns)
