"""GitHub Actions annotations: each failing evalkit item becomes `::error` on its suite's YAML line.

In a workflow run (`GITHUB_ACTIONS=true`) a failing scenario or gate is written as a workflow command
(`::error file=suites/x.yaml,line=12,title=refund [gpt-4.1]::reason`), which GitHub shows on the
pull request's diff and in the run's summary. An INVALID scenario (the judge or simulator failed)
and an ERROR (the agent never ran) are `::warning`: neither is a quality verdict. So is an
inconclusive gate under `inconclusive: warn`. A suite that does not load is one `::error` per
problem, on the line and column the loader names.

Built from pytest's reports, not from the items, so the xdist controller (which only sees its
workers' reports and reports gates itself) annotates exactly as one process does. Written once, at
the end of the run, so the lines never interleave with the progress output. Standard library and
pytest only: this module is imported by every pytest run in a workflow.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

ENV = "GITHUB_ACTIONS"
WORKSPACE = "GITHUB_WORKSPACE"
PLUGIN_NAME = "evalkit-github-annotations"
MAX_MESSAGE = 4000  # GitHub shows a few thousand characters of an annotation; the step log keeps the rest
GATE_WARNING = "EvalkitGateWarning"  # evalkit.plugin.items, by name: importing it would load the engine
SUITE_ERROR = "invalid evalkit suite:"  # how a suite's collection error begins (evalkit.plugin.collection)
PROBLEM = re.compile(r"^(?P<path>.+?\.ya?ml):(?P<line>\d+):(?P<col>\d+): (?P<message>.+)$")  # a spec Problem


def in_github_actions() -> bool:
    return os.environ.get(ENV) == "true"


def escape_data(text: str) -> str:
    """A workflow command's message: `%`, CR and LF are encoded (GitHub's toolkit `escapeData`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: also `:` and `,`, which separate properties (`escapeProperty`)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


@dataclass(frozen=True)
class Annotation:
    """One workflow command: `::level file=...,line=...,title=...::message`."""

    level: str  # error | warning
    file: str
    line: int | None
    title: str
    message: str
    col: int | None = None

    def command(self) -> str:
        props = [("file", self.file)] + ([("line", str(self.line))] if self.line is not None else [])
        props += ([("col", str(self.col))] if self.col is not None else []) + [("title", self.title)]
        text = ",".join(f"{k}={escape_property(v)}" for k, v in props)
        return f"::{self.level} {text}::{escape_data(self.message[:MAX_MESSAGE])}"


def title_of(name: str) -> str:
    """`refund[gpt-4.1]` -> `refund [gpt-4.1]`; a gate item `[gate][gpt-4.1]` -> `gate [gpt-4.1]`."""
    base, rest = ("gate", name[len("[gate]") :]) if name.startswith("[gate]") else _split_tier(name)
    tier = rest[1:-1] if rest.startswith("[") and rest.endswith("]") else rest
    return f"{base} [{tier}]" if tier else base


def _split_tier(name: str) -> tuple[str, str]:
    cut = name.find("[")
    return (name, "") if cut <= 0 else (name[:cut], name[cut:])


def shown_path(location_path: str, rootpath: Path, workspace: str | None) -> str:
    """The annotation's file: relative to the checkout (`GITHUB_WORKSPACE`) when inside it, else as given
    (relative to `rootpath`, pytest's rootdir for an item's location)."""
    full = (rootpath / location_path).resolve()
    if workspace:
        try:
            return full.relative_to(Path(workspace).resolve()).as_posix()
        except ValueError:
            pass
    return Path(location_path).as_posix()


def classify(report: pytest.TestReport) -> tuple[str, str] | None:
    """(level, verdict word) for an evalkit item's report, or None when it needs no annotation."""
    if not report.failed:
        return None
    if report.when != "call":
        return "warning", "ERROR"  # setup: the agent never ran (a teardown failure is not a verdict either)
    props = dict(report.user_properties)
    if props.get("evalkit_outcome") == "invalid":
        return "warning", "INVALID"
    return "error", "FAIL"


def reason_of(report: pytest.TestReport, name: str) -> str:
    """The failure text without its leading item name, which the title already carries.

    Under `--tb=line` the report's text is empty: its crash line's message (the one-line reason) stands in.
    """
    text = report.longreprtext.strip()
    if not text:
        crash = getattr(report.longrepr, "reprcrash", None)
        text = str(getattr(crash, "message", "") or report.outcome)
    return text[len(name) :].lstrip() if text.startswith(name + " ") else text


class GithubAnnotations:
    """The plugin object registered in a workflow run: gathers annotations, writes them at the end."""

    def __init__(self, rootpath: Path, workspace: str | None) -> None:
        self.rootpath = rootpath
        self.workspace = workspace
        self.found: dict[str, Annotation] = {}  # by node id: one per item, first failure wins
        self.locations: dict[str, tuple[str, int | None, str]] = {}
        self.gate_warnings: dict[str, str] = {}  # node id -> inconclusive gate's message (inconclusive: warn)
        self.written = False

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if "evalkit" not in report.keywords:
            return
        self.locations.setdefault(report.nodeid, report.location)
        kind = classify(report)
        if kind is None or report.nodeid in self.found:
            return
        path, line, name = report.location
        self.found[report.nodeid] = Annotation(
            kind[0],
            shown_path(path, self.rootpath, self.workspace),
            None if line is None else line + 1,
            title_of(name),
            reason_of(report, name),
        )

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """A suite that does not load: one `::error` per problem, on its line and column."""
        text = report.longreprtext if report.failed else ""
        if not text.startswith(SUITE_ERROR):
            return
        lines = text[len(SUITE_ERROR) :].strip().splitlines()
        problems = [m for m in map(PROBLEM.match, lines) if m]
        for i, m in enumerate(problems):  # spec problems name their file relative to the working directory
            file = shown_path(m["path"], Path.cwd(), self.workspace)
            self.found[f"{report.nodeid}#{i}"] = Annotation(
                "error", file, int(m["line"]), "invalid suite", m["message"], int(m["col"])
            )
        if not problems:
            file = shown_path(report.nodeid.split("::")[0], self.rootpath, self.workspace)
            self.found[report.nodeid] = Annotation("error", file, None, "invalid suite", "\n".join(lines))

    def pytest_warning_recorded(self, warning_message: Any, when: str, nodeid: str, location: Any) -> None:
        if nodeid and getattr(warning_message.category, "__name__", "") == GATE_WARNING:
            self.gate_warnings.setdefault(nodeid, str(warning_message.message))

    def annotations(self) -> list[Annotation]:
        out = list(self.found.values())
        for nodeid, message in self.gate_warnings.items():
            if nodeid in self.found or nodeid not in self.locations:
                continue
            path, line, name = self.locations[nodeid]
            out.append(
                Annotation(
                    "warning",
                    shown_path(path, self.rootpath, self.workspace),
                    None if line is None else line + 1,
                    title_of(name),
                    message,
                )
            )
        return out

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        self._write(terminalreporter.write_line)

    def pytest_unconfigure(self) -> None:
        """Without pytest's terminal (`-p no:terminal`) the commands still reach the step's log."""
        self._write(lambda line: print(line, file=sys.stdout, flush=True))

    def _write(self, write: Any) -> None:
        if self.written:
            return
        self.written = True
        from evalkit.security import redact  # standard library only; the reports are redacted already

        for a in self.annotations():  # redacted before escaping, so an escaped secret cannot slip past
            write(replace(a, title=redact(a.title), message=redact(a.message)).command())


def register(config: pytest.Config, is_worker: bool) -> None:
    """In a GitHub Actions run, annotate from the process that reports (xdist workers send their reports there)."""
    if in_github_actions() and not is_worker:
        config.pluginmanager.register(GithubAnnotations(Path(config.rootpath), os.environ.get(WORKSPACE)), PLUGIN_NAME)
