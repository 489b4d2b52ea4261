"""`evalkit validate --deep`: the run's preflight over the suites validate found, without a run.

It reads the project's settings as a run without flags would ([tool.evalkit], EVALKIT_*), puts the project
root on the import path as the plugin does, and connects to the base URLs unless the project runs offline.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from evalkit.conversation.agents.import_root import add_import_root
from evalkit.options.errors import OptionError
from evalkit.options.pyproject import read_tool_table
from evalkit.options.resolve import Sources, resolve
from evalkit.run.config import RunConfig
from evalkit.run.preflight import Preflight, preflight
from evalkit.spec import is_suite_file, load_suite


def deep_problems(files: list[Path], project: Path) -> list[str]:
    """One line per preflight problem of the suites among `files` (already validated)."""
    try:
        values = resolve(Sources(root=project, cwd=Path.cwd(), env=os.environ, tool=read_tool_table(project))).values
    except OptionError as err:  # already one line naming the setting, where it was set and what was expected
        raise click.ClickException(str(err)) from None
    config = RunConfig.from_options(values)
    add_import_root(project)
    suites = [load_suite(f, root=project) for f in files if is_suite_file(f)]
    return preflight(suites, Preflight(config, live=not config.offline))
