"""The `--evalkit-*` options and `evalkit_*` ini keys, built from the option table, resolved into one settings object.

Every option is namespaced `--evalkit-*` so the plugin never collides with another plugin.
Names, types, bounds and precedence (command line > environment > ini > `[tool.evalkit]` >
default) are the option table's (`evalkit.options`); this module only speaks pytest.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import pytest

from evalkit.options import (
    ADAPTIVE_BOUNDS,
    BY_NAME,
    LIMIT_OPTIONS,
    OPTIONS,
    Option,
    OptionError,
    Sources,
    read_tool_table,
    resolve,
)

ENV_LIVE = BY_NAME["live"].env_var  # EVALKIT_LIVE
BUDGET_INPUT = "evalkit_budget"  # workerinput key: the xdist controller's shared budget service


class PluginSettings:
    """What the plugin was asked to do for this pytest session.

    Every setting of the option table reads as an attribute (`settings.trials`; unset: the table's
    default), so a new row needs no change here. Plain Python: importing pydantic here would slow
    every pytest run.
    """

    def __init__(
        self,
        values: Mapping[str, Any] | None = None,
        *,
        suites_configured: bool = False,
        budget: Mapping[str, Any] | None = None,
        **named: Any,
    ) -> None:
        unknown = sorted(set(named) - set(BY_NAME))
        if unknown:
            raise TypeError(f"PluginSettings: unknown setting {', '.join(unknown)}")
        self.values: dict[str, Any] = {**(values or {}), **named}  # every setting given, by its table name
        self.suites_configured = suites_configured  # True when the user named suite paths
        self.budget = dict(budget) if budget else None  # an xdist worker's shared budget service

    def __getattr__(self, name: str) -> Any:
        option = BY_NAME.get(name)
        if option is None or name == "values":
            raise AttributeError(name)
        if name in self.values:
            return self.values[name]
        return {} if option.kind is dict else option.default

    @property
    def suites(self) -> list[Path]:
        return list(self.values.get("suites") or [])

    @property
    def report_dir(self) -> Path:
        return Path(self.values.get("report_dir") or "reports")

    @property
    def limits(self) -> dict[str, Any]:
        """RunConfig.limits: the limit rows that were set, plus an xdist worker's shared budget."""
        out = {o.name: self.values[o.name] for o in LIMIT_OPTIONS if o.name in self.values}
        if self.budget and out.get("shared_limits", True):
            out["budget"] = dict(self.budget)
        return out

    @property
    def spends(self) -> bool:
        """Whether models may be called over the network at real cost."""
        return bool(self.live) and not self.offline

    def run_values(self) -> dict[str, Any]:
        """The settings `RunConfig.from_options` reads (the limits with the worker's budget)."""
        values = {k: v for k, v in self.values.items() if k not in {o.name for o in LIMIT_OPTIONS}}
        return {**values, "limits": self.limits}

    def __repr__(self) -> str:
        return f"PluginSettings({self.values!r})"


def add_options(parser: pytest.Parser) -> None:
    """Register one `--evalkit-*` option (and, for file settings, one `evalkit_*` ini key) per table row."""
    group = parser.getgroup("evalkit", "evalkit: evaluate LLM agents from YAML suites")
    for option in OPTIONS:
        _add_flag(group, option)
        if option.files:
            multi = option.kind in (list, dict)
            kind: Literal["args", "string"] = "args" if multi else "string"
            parser.addini(
                option.dest, f"{option.help} (as {option.pytest_flag})", type=kind, default=[] if multi else ""
            )


def _add_flag(group: Any, option: Option) -> None:
    names = [option.pytest_flag, *("--evalkit-" + a.replace("_", "-") for a in option.renames)]
    help = option.help + (f" (or {option.env_var})" if option.env_var else "")
    if option.switch:
        group.addoption(*names, action="store_const", const=True, default=None, dest=option.dest, help=help)
    elif option.kind in (list, dict):
        group.addoption(
            *names,
            action="append",
            default=None,
            dest=option.dest,
            metavar=option.shown_metavar(),
            help=help + " (repeatable)",
        )
    else:
        group.addoption(*names, default=None, dest=option.dest, metavar=option.shown_metavar(), help=help)
    if option.kind is bool:
        group.addoption(
            "--evalkit-no-" + option.name.replace("_", "-"),
            action="store_const",
            const=False,
            default=None,
            dest=option.dest,
            help=f"{option.name} off",
        )


def resolve_settings(config: pytest.Config) -> PluginSettings:
    """Command line, environment, ini and pyproject merged by the table's precedence into `PluginSettings`."""
    root = Path(config.rootpath)
    try:
        resolved = resolve(
            Sources(
                root=root,
                cwd=Path.cwd(),
                flags={o.name: config.getoption(o.dest) for o in OPTIONS},
                env=os.environ,
                ini={o.name: config.getini(o.dest) for o in OPTIONS if o.files},
                ini_file=str(config.inipath) if config.inipath else "ini",
                tool=read_tool_table(root),
            )
        )
    except OptionError as err:
        raise pytest.UsageError(str(err)) from None
    values = resolved.values
    configured = "suites" in values
    values.setdefault("suites", [(root / "suites").resolve()])
    values.setdefault("report_dir", root / "reports")
    if values.get("resume"):
        values["resume"] = _resume(values["resume"], Path(values["report_dir"]))
    settings = PluginSettings(
        values, suites_configured=configured, budget=getattr(config, "workerinput", {}).get(BUDGET_INPUT)
    )
    _check_adaptive_bounds(settings.limits)
    _check_executor(settings)
    _check_model_names(settings)
    return settings


def _check_executor(settings: PluginSettings) -> None:
    """Ray's absence is a one-line usage error naming the install command."""
    if settings.executor == "ray" and not _ray_importable():
        raise pytest.UsageError("evalkit --evalkit-executor ray: Ray is not installed; pip install 'evalkit[ray]'")


def _ray_importable() -> bool:
    try:
        import ray  # noqa: F401 - only when the ray executor is asked for (it takes about a second)
    except ImportError:
        return False
    return True


def _check_adaptive_bounds(limits: dict[str, Any]) -> None:
    """min <= start <= max across the three settings (the hub's own check, worded with the option names)."""
    if not any(name in limits for name in ADAPTIVE_BOUNDS):
        return
    from evalkit.llm.config import LimitSettings

    try:
        LimitSettings(**{k: limits[k] for k in ADAPTIVE_BOUNDS if k in limits})
    except ValueError:
        got = ", ".join(f"{k}={limits[k]}" for k in ADAPTIVE_BOUNDS if k in limits)
        raise pytest.UsageError(
            f"evalkit adaptive bounds (--evalkit-adaptive-* or [tool.evalkit]): expected "
            f"adaptive_min <= adaptive_start <= adaptive_max (defaults 2, 16, 256), got {got}"
        ) from None


def _check_model_names(settings: PluginSettings) -> None:
    """An unknown provider in a model option is a usage error now, before any session (not an error per trial).

    Tiers without a colon are left to the agent factory they are passed to; the suites' own model names are
    checked when each suite is collected (`evalkit.plugin.model_names`).
    """
    names = [("simulator_model", settings.simulator_model), ("judge_model", settings.judge_model)]
    names += [("agent_models", tier) for tier in settings.agent_models or [] if ":" in tier]
    names = [(option, name) for option, name in names if name]
    if not names:
        return
    from evalkit.llm.endpoint import split_name

    for option, name in names:
        try:
            split_name(name)
        except ValueError as err:
            raise pytest.UsageError(
                f"evalkit {option} (--evalkit-{option.replace('_', '-')} or [tool.evalkit]): {err}"
            ) from None


def parse_base_urls(values: list[str]) -> dict[str, str]:
    """["openai=http://h/v1"] -> {"openai": "http://h/v1"}; a bad value is a usage error."""
    out: dict[str, str] = {}
    for value in values:
        try:
            out.update(BY_NAME["base_urls"].check([value]))
        except ValueError:
            raise pytest.UsageError(f"--evalkit-base-url: expected PROVIDER=URL, got {value!r}") from None
    return out


def _resume(value: str, report_dir: Path) -> str:
    """A run directory's full path; `latest`: the run started last (finished or not), else `latest` as given."""
    if value != "latest":
        return str(Path(value).resolve())
    from evalkit.run.latest import resume_target  # only when resuming: the engine stays unloaded at startup

    try:
        return str(resume_target(value, report_dir))
    except FileNotFoundError:
        return value  # said in one line where the run is opened
