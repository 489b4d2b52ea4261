"""Command-line options, ini settings and `[tool.evalkit]`, resolved into one settings object.

Every option is namespaced `--evalkit-*` so the plugin never collides with
another plugin; precedence is command line > ini (`evalkit_*`) > pyproject's
`[tool.evalkit]` > environment > default.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any

import pytest

from evalkit.limit_options import ADAPTIVE_BOUNDS, LIMIT_OPTIONS, LimitOption

ENV_LIVE = "EVALKIT_LIVE"
BUDGET_INPUT = "evalkit_budget"  # workerinput key: the xdist controller's shared budget service
EXECUTORS = ("local", "ray")


@dataclass
class PluginSettings:
    """What the plugin was asked to do for this pytest session (a dataclass: importing pydantic here would slow every pytest run)."""

    suites: list[Path] = field(default_factory=list)  # absolute suite roots
    suites_configured: bool = False  # True when the user named suite paths explicitly
    agent: str | None = None
    agent_models: list[str] | None = None
    simulator_model: str | None = None
    judge_model: str | None = None
    trials: int | None = None
    concurrency: int | None = None
    max_cost: float | None = None
    cache_dir: Path | None = None
    no_cache: bool = False
    record: Path | None = None
    replay: Path | None = None
    resume: str | None = None  # a run directory, or "latest"
    report_dir: Path = Path("reports")
    baseline: Path | None = None
    live: bool = False
    offline: bool = False
    base_urls: dict[str, str] = field(default_factory=dict)
    seed: int | None = None
    progress: bool = True
    limits: dict[str, Any] = field(default_factory=dict)  # RunConfig.limits: the set rows of LIMIT_OPTIONS (+ budget)
    executor: dict[str, Any] = field(default_factory=dict)  # RunConfig.executor: {kind, address}

    @property
    def spends(self) -> bool:
        """Whether models may be called over the network at real cost."""
        return self.live and not self.offline


def add_options(parser: pytest.Parser) -> None:
    """Register the `--evalkit-*` options and `evalkit_*` ini keys."""
    group = parser.getgroup("evalkit", "evalkit: evaluate LLM agents from YAML suites")
    add = group.addoption
    add("--evalkit-suites", action="append", default=None, metavar="PATH", help="suite file or directory (repeatable)")
    add("--evalkit-agent", default=None, metavar="MODULE:ATTR", help="override the suites' agent factory")
    add("--evalkit-agent-models", default=None, metavar="A,B", help="agent model tiers to run, comma separated")
    add("--evalkit-simulator-model", default=None, metavar="PROVIDER:MODEL", help="override the user simulator model")
    add("--evalkit-judge-model", default=None, metavar="PROVIDER:MODEL", help="override the judge model")
    add("--evalkit-trials", type=int, default=None, metavar="N", help="trials per scenario (overrides the suites)")
    add("--evalkit-concurrency", type=int, default=None, metavar="N", help="max concurrent model connections")
    add("--evalkit-max-cost", type=float, default=None, metavar="USD", help="refuse to start a live run estimated above this")
    add("--evalkit-cache-dir", default=None, metavar="DIR", help="response cache directory")
    add("--evalkit-no-cache", action="store_true", default=False, help="do not read or write the response cache")
    add("--evalkit-record", default=None, metavar="PATH", help="record model calls to this cassette")
    add("--evalkit-replay", default=None, metavar="PATH", help="serve model calls from this cassette")
    add("--evalkit-resume", default=None, metavar="RUN_DIR", help="resume an interrupted run")
    add("--evalkit-report-dir", default=None, metavar="DIR", help="where run directories go (default reports/)")
    add("--evalkit-baseline", default=None, metavar="RUN_DIR", help="fail on significant regressions against this run")
    add("--evalkit-live", action="store_true", default=False, help="allow paid model calls (or EVALKIT_LIVE=1)")
    add("--evalkit-offline", action="store_true", default=False, help="serve every model from a local fake server")
    add("--evalkit-base-url", action="append", default=None, metavar="PROVIDER=URL", help="endpoint per provider")
    add("--evalkit-seed", type=int, default=None, metavar="N", help="base seed (overrides the suites)")
    add("--evalkit-no-progress", action="store_true", default=False, help="no live progress display")
    add("--evalkit-executor", default=None, choices=EXECUTORS, help="where sessions run: this process (local, "
        "default) or Ray workers (needs pip install 'evalkit[ray]')")
    add("--evalkit-ray-address", default=None, metavar="ADDRESS", help="Ray cluster for --evalkit-executor ray: "
        "auto, ray://host:10001 or local (default: RAY_ADDRESS, else a new local cluster)")
    for option in LIMIT_OPTIONS:
        add(f"--evalkit-{option.flag[2:]}", default=None, metavar=_metavar(option), help=option.help)
    parser.addini("evalkit_suites", "suite files or directories (default: suites)", type="paths", default=[])
    parser.addini("evalkit_report_dir", "where run directories go", default="")


def resolve_settings(config: pytest.Config) -> PluginSettings:
    """Merge command line, ini, pyproject and environment into `PluginSettings`."""
    root = Path(config.rootpath)
    tool = _tool_table(root)
    opt = config.getoption
    suites, configured = _suite_paths(config, root, tool)
    configured_dir = config.getini("evalkit_report_dir") or tool.get("report_dir") or "reports"
    report_dir = _path(root, opt("evalkit_report_dir"), cwd=True) or _path(root, configured_dir)
    settings = PluginSettings(
        suites=suites,
        suites_configured=configured,
        agent=opt("evalkit_agent") or tool.get("agent"),
        agent_models=_split(opt("evalkit_agent_models")) or tool.get("agent_models"),
        simulator_model=opt("evalkit_simulator_model") or tool.get("simulator_model"),
        judge_model=opt("evalkit_judge_model") or tool.get("judge_model"),
        trials=_first(opt("evalkit_trials"), tool.get("trials")),
        concurrency=_first(opt("evalkit_concurrency"), tool.get("concurrency")),
        max_cost=_first(opt("evalkit_max_cost"), tool.get("max_cost")),
        cache_dir=_path(root, opt("evalkit_cache_dir") or tool.get("cache_dir")),
        no_cache=bool(opt("evalkit_no_cache") or tool.get("no_cache", False)),
        record=_path(root, opt("evalkit_record"), cwd=True),
        replay=_path(root, opt("evalkit_replay") or tool.get("replay"), cwd=True),
        resume=_resume(opt("evalkit_resume")),
        report_dir=report_dir or root / "reports",
        baseline=_path(root, opt("evalkit_baseline"), cwd=True),
        live=bool(opt("evalkit_live")) or os.environ.get(ENV_LIVE, "") in {"1", "true", "yes"},
        offline=bool(opt("evalkit_offline")),
        base_urls={**tool.get("base_urls", {}), **parse_base_urls(opt("evalkit_base_url") or [])},
        seed=opt("evalkit_seed"),
        progress=not opt("evalkit_no_progress"),
        limits=_limits(config, tool),
        executor=_executor(config, tool),
    )
    _check_numbers(settings)
    _check_model_names(settings)
    return settings


def _limits(config: pytest.Config, tool: dict[str, Any]) -> dict[str, Any]:
    """The limit settings given (command line over [tool.evalkit]), checked; plus the xdist worker's shared budget."""
    out: dict[str, Any] = {}
    for option in LIMIT_OPTIONS:
        given = config.getoption(f"evalkit_{option.name}")
        value = given if given is not None else tool.get(option.name)
        if value is None:
            continue
        try:
            out[option.name] = option.check(value)
        except ValueError as err:
            where = f"--evalkit-{option.flag[2:]}" if given is not None else _tool_where(config, option.name)
            raise pytest.UsageError(f"evalkit {option.name} ({where}): {err}") from None
    _check_adaptive_bounds(out)
    budget = getattr(config, "workerinput", {}).get(BUDGET_INPUT)
    if budget and out.get("shared_limits", True):
        out["budget"] = dict(budget)
    return out


def _executor(config: pytest.Config, tool: dict[str, Any]) -> dict[str, Any]:
    """The executor asked for; Ray's absence is a one-line usage error naming the install command."""
    kind = config.getoption("evalkit_executor") or tool.get("executor")
    address = config.getoption("evalkit_ray_address") or tool.get("ray_address")
    if kind not in (None, *EXECUTORS):  # the command line's choices are checked by argparse
        raise pytest.UsageError(f"evalkit executor ({_tool_where(config, 'executor')}): expected one of "
                                f"{', '.join(EXECUTORS)}, got {kind!r}")
    if kind == "ray" and not _ray_importable():
        raise pytest.UsageError("evalkit --evalkit-executor ray: Ray is not installed; pip install 'evalkit[ray]'")
    return {k: v for k, v in (("kind", kind), ("address", address)) if v is not None}


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
        raise pytest.UsageError(f"evalkit adaptive bounds (--evalkit-adaptive-* or [tool.evalkit]): expected "
                                f"adaptive_min <= adaptive_start <= adaptive_max (defaults 2, 16, 256), got {got}"
                                ) from None


def _tool_where(config: pytest.Config, key: str) -> str:
    """`pyproject.toml:12 [tool.evalkit]` for a key's line, so a bad value is found without searching."""
    path = Path(config.rootpath) / "pyproject.toml"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return "[tool.evalkit]"
    line = next((n for n, text in enumerate(lines, 1) if text.strip().startswith((f"{key} ", f"{key}="))), None)
    return f"{path}:{line} [tool.evalkit]" if line else f"{path} [tool.evalkit]"


def _metavar(option: LimitOption) -> str:
    return "on|off" if option.kind is bool else ("N" if option.kind is int else "X")


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
            raise pytest.UsageError(f"evalkit {option} (--evalkit-{option.replace('_', '-')} or [tool.evalkit]): "
                                    f"{err}") from None


def _check_numbers(settings: PluginSettings) -> None:
    """A usage error now, not a traceback when the run engine's config refuses the value later."""
    for name, whole in (("trials", True), ("concurrency", True), ("max_cost", False)):
        value = getattr(settings, name)
        number = isinstance(value, int if whole else (int, float)) and not isinstance(value, bool)
        if value is not None and not (number and value > 0):
            expected = "an integer >= 1" if whole else "a number > 0"
            raise pytest.UsageError(f"evalkit {name} (--evalkit-{name.replace('_', '-')} or [tool.evalkit]): "
                                    f"expected {expected}, got {value!r}")


def parse_base_urls(values: list[str]) -> dict[str, str]:
    """["openai=http://h/v1"] -> {"openai": "http://h/v1"}; a bad value is a usage error."""
    out: dict[str, str] = {}
    for value in values:
        provider, sep, url = value.partition("=")
        if not sep or not provider or not url:
            raise pytest.UsageError(f"--evalkit-base-url: expected PROVIDER=URL, got {value!r}")
        out[provider.strip()] = url.strip()
    return out


def _suite_paths(config: pytest.Config, root: Path, tool: dict[str, Any]) -> tuple[list[Path], bool]:
    cli = config.getoption("evalkit_suites")
    if cli:
        return [_path(root, p, cwd=True) for p in cli], True  # type: ignore[misc]
    ini = config.getini("evalkit_suites")
    if ini:
        return [Path(p).resolve() for p in ini], True
    if tool.get("suites") is not None:
        return [(root / p).resolve() for p in tool["suites"]], True
    return [(root / "suites").resolve()], False


def _tool_table(root: Path) -> dict[str, Any]:
    path = root / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise pytest.UsageError(f"{path}: cannot read [tool.evalkit]: {exc}") from None
    table = data.get("tool", {}).get("evalkit", {})
    if not isinstance(table, dict):
        return {}
    for key, kind in _TOOL_TYPES.items():
        if key in table and not isinstance(table[key], kind):
            raise pytest.UsageError(f"{path}: [tool.evalkit] {key}: expected {_TYPE_NAMES[kind]}, got {table[key]!r}")
    return table


# Keys whose value pytest never checks on the way (numbers are checked on the merged settings).
_TOOL_TYPES: dict[str, type] = {
    "suites": list, "agent_models": list, "base_urls": dict, "no_cache": bool, "report_dir": str, "agent": str,
    "simulator_model": str, "judge_model": str, "cache_dir": str, "replay": str, "executor": str, "ray_address": str,
}
_TYPE_NAMES = {list: "a list of strings", dict: "a table", bool: "true or false", str: "a string"}


def _resume(value: str | None) -> str | None:
    if not value or value == "latest":
        return value or None
    return str(Path(value).resolve())


def _split(value: str | None) -> list[str] | None:
    if not value:
        return None
    return [v.strip() for v in value.split(",") if v.strip()]


def _first(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def _path(root: Path, value: str | os.PathLike[str] | None, cwd: bool = False) -> Path | None:
    if value in (None, ""):
        return None
    path = Path(value)  # type: ignore[arg-type]
    if path.is_absolute():
        return path
    return (Path.cwd() if cwd else root).joinpath(path).resolve()
