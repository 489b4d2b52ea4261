"""The terminal: a summary table after the run, and progress while sessions run concurrently."""

from __future__ import annotations

import io
import os
import sys
import threading
import time
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from evalkit.plugin.messages import pct
from evalkit.plugin.summary import RunView
from evalkit.security import redact

CI_VARS = ("CI", "GITHUB_ACTIONS", "BUILDKITE", "GITLAB_CI", "JENKINS_URL")
CI_WIDTH = 150  # columns for a pipe or CI log without COLUMNS (as `evalkit compare`): 80 folds every table row
STYLES = {"pass": "green", "fail": "red", "invalid": "yellow", "error": "magenta", "inconclusive": "yellow"}


def money(value: float | None) -> str:
    return "unknown" if value is None else f"${value:.4f}"


def render_summary(view: RunView, width: int, color: bool) -> str:
    """The summary as text (rich tables rendered into a string for pytest's terminal writer)."""
    buf = io.StringIO()
    console = Console(
        file=buf,
        width=max(width, 60),
        force_terminal=color,
        color_system="standard" if color else None,
        highlight=False,
        soft_wrap=False,
    )
    if view.scenarios:  # nothing ran: no empty table; the verdict line and the notices below say why
        console.print(_scenario_table(view, max(width, 60)))
    if view.criteria:
        console.print(_criteria_table(view))
    if view.scenarios:
        costs = ", ".join(f"{role} {money(view.cost_by_role.get(role))}" for role in ("agent", "simulator", "judge"))
        console.print(f"{view.cost_label}: {money(view.cost_total)} ({costs})", markup=False)
    if view.flaky:
        console.print("flaky (valid trials disagree): " + ", ".join(view.flaky), markup=False)
    if view.invalid:
        console.print("invalid trials (the judge, simulator or a model endpoint failed; not counted either way):")
        for line in view.invalid:  # unwrapped: a wrapped line could split a key the redactor must see whole
            console.print(f"  {line}", markup=False, soft_wrap=True)
    if view.errors:
        console.print("setup errors (the agent never ran; not counted either way):")
        for line in view.errors:
            console.print(f"  {line}", markup=False, soft_wrap=True)
    for gate in view.gates:
        console.print(gate.message(), markup=False)
    if view.run_dir is not None:  # paths unwrapped, so they can be copied
        console.print(f"run directory: {view.run_dir}", markup=False, soft_wrap=True)
    if view.report is not None or view.report_error:
        console.print(
            f"report: {view.report}" if view.report else f"report: not written ({view.report_error})",
            markup=False,
            soft_wrap=True,
        )
    style = STYLES.get(view.outcome, "")
    console.print(
        f"[bold {style}]{escape(view.verdict_line)}[/]" if style else escape(view.verdict_line), soft_wrap=True
    )  # one line, whatever the width: CI logs are grepped for it
    return redact(buf.getvalue())


def quiet_summary(view: RunView) -> str:
    """Under -q: only the run's verdict line."""
    return view.verdict_line + "\n"


def _scenario_table(view: RunView, width: int) -> Table:
    table = Table(title="evalkit scenarios", title_justify="left")
    suites = [v.suite for v in view.scenarios]
    many_suites = len(set(suites)) > 1
    confidence = view.scenarios[0].confidence if view.scenarios else 0.95
    names = (["suite"] if many_suites else []) + [
        "scenario",
        "verdict",
        "pass",
        f"{confidence:.0%} CI",
        "trials",
        "invalid",
        "cost",
    ]
    longest = max((len(v.label) for v in view.scenarios), default=8)
    room = width - 60 - (8 if many_suites else 0)  # what the other columns leave (errors are listed below)
    for name in names:
        table.add_column(
            name,
            justify="left" if name in ("suite", "scenario", "verdict") else "right",
            overflow="fold",
            no_wrap=name not in ("suite", "scenario"),
            min_width=max(8, min(longest, room)) if name == "scenario" else None,
        )
    for v, suite in zip(view.scenarios, suites, strict=True):
        style = STYLES.get(v.outcome, "")
        cells = [escape(suite)] if many_suites else []
        cells += [
            escape(v.label),
            f"[{style}]{v.outcome.upper()}[/]" if style else v.outcome,
            pct(v.pass_rate),
            _compact(v),
            str(v.trials),
            str(v.invalid),
            money(v.cost_usd),
        ]
        table.add_row(*cells)
    if not many_suites and suites:
        table.title = f"evalkit scenarios: {escape(suites[0])}"
    return table


def _criteria_table(view: RunView) -> Table:
    table = Table(title="criteria (mean normalised score over valid trials)", title_justify="left")
    for name in ("criterion", "mean", "n", "failed", "invalid"):
        table.add_column(name, justify="left" if name == "criterion" else "right")
    for c in view.criteria:
        table.add_row(
            escape(c.label), "n/a" if c.mean is None else f"{c.mean:.2f}", str(c.n), str(c.failed), str(c.invalid)
        )
    return table


def is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed capture
        return False


def reporter_stream(reporter: Any) -> Any:
    """The stream pytest's terminal writer writes to (the real stdout, also while output is captured)."""
    return getattr(getattr(reporter, "_tw", None), "_file", None) or sys.stdout


def output_width(reporter: Any) -> int:
    """Columns for the summary tables: the terminal's when there is one (pytest's measure, which honours
    COLUMNS), else COLUMNS when set, else `CI_WIDTH` (a CI log has no width; 80 would fold every row)."""
    if is_terminal(reporter_stream(reporter)):
        return int(reporter._tw.fullwidth)
    columns = os.environ.get("COLUMNS", "").strip()
    return int(columns) if columns.isdigit() and int(columns) > 0 else CI_WIDTH


def plain_progress_wanted(stream: Any = None, color: bool = True) -> bool:
    """Plain lines instead of a live display: not a terminal, running under CI, or colour and cursor control
    turned off (`--color=no`, NO_COLOR, PY_COLORS=0: a live display is made of escape sequences)."""
    stream = stream or sys.stdout
    return not is_terminal(stream) or not color or any(os.environ.get(v) for v in CI_VARS)


def progress_display(reporter: Any) -> ProgressDisplay:
    """The display for this pytest session: live on a colour terminal, plain lines through pytest's writer
    otherwise (so `--color=no` output holds no escape sequence)."""
    write = reporter.write_line if reporter else print
    color = bool(reporter.hasmarkup) if reporter else False
    return ProgressDisplay(write, live=not plain_progress_wanted(reporter_stream(reporter), color))


class ProgressDisplay:
    """Shows run progress while the plugin waits for the concurrent phase to end.

    Live (rich) on a terminal, a plain line every few seconds otherwise. Updates
    arrive from the run's worker thread; rendering happens in the waiting thread.
    A snapshot is taken only when a session changes state, so its clock is aged by
    the time since it arrived: elapsed is wall time since the run started, also
    while every session is still waiting on its model.
    """

    def __init__(self, write_line: Any, live: bool, interval_s: float = 5.0) -> None:
        self.write_line = write_line
        self.live = live
        self.interval_s = interval_s
        self._snapshot: Any = None
        self._received = 0.0  # time.monotonic() when the snapshot arrived
        self._lock = threading.Lock()

    def update(self, snapshot: Any) -> None:
        with self._lock:
            self._snapshot, self._received = snapshot, time.monotonic()

    def text(self) -> str:
        with self._lock:
            s, age = self._snapshot, time.monotonic() - self._received
        if s is None:
            return "evalkit: starting sessions"
        eta = "" if s.eta_s is None else f", ETA {max(0.0, s.eta_s - age):.0f}s"
        cost = f"${s.cost_usd:.4f}" + ("+" if s.cost_unknown else "")
        line = (
            f"evalkit: {s.done}/{s.planned} sessions decided ({s.running} talking, {s.judging} judging), "
            f"{s.tokens:,} tokens, {cost}, {s.elapsed_s + age:.0f}s{eta}"
        )
        endpoints = s.endpoints_text()  # each endpoint's adaptive concurrency, 429s and tokens/min
        return redact(f"{line}\n  endpoints: {endpoints}" if endpoints else line)  # a base URL may hold a key

    def wait(self, done: Any) -> None:
        """Block until `done()` is true, showing progress."""
        if self.live:
            from rich.console import Console as _Console
            from rich.live import Live

            console = _Console(file=sys.stdout, force_terminal=True, color_system="standard", highlight=False)
            with Live(self.text(), console=console, refresh_per_second=4, transient=True) as live:
                while not done():
                    live.update(self.text())
                    time.sleep(0.25)
            return
        last = time.monotonic()
        while not done():
            time.sleep(0.1)
            if time.monotonic() - last >= self.interval_s:
                self.write_line(self.text())
                last = time.monotonic()
        self.write_line(self.text())


def _compact(v: Any) -> str:
    if v.interval is None:
        return "n/a"
    return f"{v.interval[0] * 100:.0f}-{v.interval[1] * 100:.0f}%"
