"""`evalkit ...`: the command line. Thin: each area defines its commands next to its code."""

from __future__ import annotations

import importlib

import click

from evalkit import __version__

# Each module exposes `commands: list[click.Command]`; add yours here.
COMMAND_MODULES: list[str] = ["evalkit.spec.commands", "evalkit.llm.commands", "evalkit.report.commands", "evalkit.plugin.commands"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="evalkit")
def main() -> None:
    """Evaluate LLM agents: validate YAML, manage rubrics, run suites, report and compare runs."""


for _module in COMMAND_MODULES:
    for _command in importlib.import_module(_module).commands:
        main.add_command(_command)
