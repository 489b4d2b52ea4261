"""`evalkit --help` and light commands start without importing the heavy stack (lazy command loading)."""

from __future__ import annotations

import importlib
import subprocess
import sys

import click
from click.testing import CliRunner

from evalkit.cli import COMMANDS, main

HEAVY = ("pandas", "numpy", "openai", "anthropic", "evalkit.report", "evalkit.run", "evalkit.spec")


def _loaded_after(code: str) -> list[str]:
    probe = f"import sys\n{code}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_importing_the_cli_and_showing_help_imports_no_command_module() -> None:
    assert _loaded_after("import evalkit.cli") == []
    help_run = "from click.testing import CliRunner\nfrom evalkit.cli import main\nCliRunner().invoke(main, ['--help'])"
    assert _loaded_after(help_run) == []


def test_validate_loads_only_the_spec_area() -> None:
    code = "import click\nfrom evalkit.cli import main\nmain.get_command(click.Context(main), 'validate')"
    assert _loaded_after(code) == ["evalkit.spec"]


def test_help_lists_every_command_with_its_own_short_help() -> None:
    out = CliRunner().invoke(main, ["--help"], terminal_width=400).output
    for name, (target, short) in COMMANDS.items():
        module, attr = target.split(":")
        command = getattr(importlib.import_module(module), attr)
        assert isinstance(command, click.Command)
        assert short == command.get_short_help_str(1000)  # the table says what the command says
        assert f"{name}  " in out and short in out


def test_every_command_module_command_is_in_the_table() -> None:
    modules = {target.split(":")[0] for target, _ in COMMANDS.values()}
    for module in modules:
        for command in importlib.import_module(module).commands:
            assert COMMANDS[command.name][0] == f"{module}:{command.callback.__name__}"
