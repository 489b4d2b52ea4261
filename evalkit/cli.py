"""`evalkit ...`: the command line. Thin: each area defines its commands next to its code.

Commands load lazily: `evalkit --help` and `evalkit validate` must not pay for
importing pandas, the SDKs and the report engine that other commands need.
"""

from __future__ import annotations

import importlib

import click

from evalkit._version import __version__

# name -> ("module:attr" of the click command, its short help as `evalkit --help` lists it).
# Add yours here; a test checks each short help against the command's own docstring.
COMMANDS: dict[str, tuple[str, str]] = {
    "cache": ("evalkit.llm.commands:cache", "Inspect or clear the model response cache."),
    "calibrate": (
        "evalkit.calibration.commands:calibrate",
        "Measure how often the judge agrees with human labels; write calibration/<rubric>@<v>/<judge>.json.",
    ),
    "compare": (
        "evalkit.report.commands:compare_command",
        "Compare RUN_A with RUN_B [RUN_C ...] (each against the first), or the tiers inside one run.",
    ),
    "demo": (
        "evalkit.demo.commands:demo_command",
        "Run the packaged demo suite offline (no key, no network) into ./reports and say where the report is.",
    ),
    "history": (
        "evalkit.history.commands:history",
        "Run history: record runs into a database, list them, and follow scenarios across runs.",
    ),
    "labels": (
        "evalkit.labels.commands:labels",
        "Human labels for judge calibration: draw trials of a run to label, then label them in the terminal.",
    ),
    "rejudge": (
        "evalkit.rejudge.commands:rejudge",
        "Judge RUN_DIR's stored transcripts again under another rubric version or judge, into a new run.",
    ),
    "report": (
        "evalkit.report.commands:report_command",
        "Write report.html and summary.md for RUN_DIR (a run directory, a reports directory, or `latest`).",
    ),
    "rubrics": (
        "evalkit.spec.commands:rubrics",
        "Versioned rubrics: lock their fingerprints, check nothing changed silently, list them.",
    ),
    "runs": (
        "evalkit.report.runs_commands:runs",
        "Run directories under reports/: list them newest first, or prune old ones.",
    ),
    "run": (
        "evalkit.plugin.commands:run_command",
        "Run SUITES (files or directories; default suites/) as pytest items; the run directory gets report.html.",
    ),
    "schema": (
        "evalkit.spec.commands:schema",
        "Print the JSON Schema for a rubric, suite, persona or label file (for editors and CI).",
    ),
    "validate": (
        "evalkit.labels.commands:validate",
        "Check suites, rubrics, personas and labels; print every problem as path:line:col: key: message.",
    ),
}


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command is invoked (or its help shown)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, attr = COMMANDS[cmd_name][0].split(":")
            self.add_command(getattr(importlib.import_module(module), attr), cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the table, so listing commands imports none of them."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = [(n, self._listed(n).get_short_help_str(limit)) for n in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def _listed(self, name: str) -> click.Command:
        """The loaded command, or a stand-in carrying the table's short help (shortened as click would)."""
        return self.commands.get(name) or click.Command(name, help=COMMANDS[name][1])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="evalkit")
def main() -> None:
    """Evaluate LLM agents: validate YAML, manage rubrics, run suites, report and compare runs, label transcripts."""
