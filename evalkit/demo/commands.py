"""`evalkit demo`: run the packaged demo suite from any directory, after any install.

It is `evalkit run` on `evalkit/demo/project/suites/demo` with three defaults changed, each
overridable by its flag or environment variable: offline (the fake model server plays every
model, so no key and no network), and the run directory and the response cache in the current
directory (`./reports`, `./.evalkit/cache`), never inside the installed package. Every other
`evalkit run` flag, and any pytest option, passes through (e.g. `evalkit demo --trials 1 -k refund`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import click

from evalkit.demo import PROJECT, SUITE_DIR
from evalkit.options import BY_NAME
from evalkit.plugin.commands import run_command, table_options

# option -> its demo default; a flag or its EVALKIT_* variable still wins
_HERE_DEFAULTS = {"report_dir": Path("reports"), "cache_dir": Path(".evalkit") / "cache"}


@click.command("demo", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
@table_options
@click.pass_context
def demo_command(ctx: click.Context, pytest_args: tuple[str, ...], **options: object) -> None:
    """Run the packaged demo suite offline (no key, no network) into ./reports and say where the report is.

    Takes `evalkit run`'s flags and pytest options, e.g. `evalkit demo --trials 1 -k refund -x`;
    `--no-offline --live` runs it against the real models.
    """
    extra = (*pytest_args, *ctx.args)
    if extra and not extra[0].startswith("-"):
        raise click.UsageError(
            f"evalkit demo runs the packaged demo suite and takes no SUITES (got {extra[0]!r}); "
            "use `evalkit run SUITES` for your own"
        )
    ctx.invoke(run_command, suites=(str(SUITE_DIR), *_pinned_config(), *extra), **demo_options(options))


def demo_options(options: dict[str, object], env: Mapping[str, str] = os.environ) -> dict[str, object]:
    """The user's options with the demo's defaults filled in where neither a flag nor the environment set one."""
    merged = dict(options)
    if merged.get("offline") is None and not env.get("EVALKIT_OFFLINE"):
        merged["offline"] = True
    for name, default in _HERE_DEFAULTS.items():
        variable = BY_NAME[name].env_var
        if merged.get(name) is None and not (variable and env.get(variable)):
            merged[name] = str(Path.cwd() / default)
    return merged


def _pinned_config() -> tuple[str, ...]:
    """pytest reads the demo project's own config file, not whatever pytest.ini or tox.ini sits above the install;
    pytest-asyncio, where installed, is left out (the demo has no async tests, and its config has no loop scope
    for the plugin to warn about)."""
    return ("-c", str(PROJECT / "pyproject.toml"), "-p", "no:asyncio")


commands = [demo_command]
