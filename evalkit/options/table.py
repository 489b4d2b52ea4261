"""Every run setting users may set, in one table read by every route that sets it.

The `evalkit run` flags, the `--evalkit-*` pytest options, their `evalkit_*` ini keys, the
`[tool.evalkit]` keys (with their validation), the `EVALKIT_*` environment variables,
`RunConfig` and, through it, `HubConfig` are all built from `OPTIONS`; so is the options
table in docs/pytest_plugin.md. A new setting is one row here (plus the field it lands in).
Precedence: command line > environment > ini file > [tool.evalkit] > default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evalkit.options.option import Option

EXECUTORS = ("local", "ray")

_RUN: tuple[Option, ...] = (
    Option(
        "suites",
        list,
        "suite files or directories",
        "what runs",
        default="suites",
        item=Path,
        cli=False,
        metavar="PATH",
    ),
    Option("agent", str, "agent factory module:attr, overriding the suites'", "what runs", metavar="MODULE:ATTR"),
    Option(
        "agent_models",
        list,
        "agent model tiers to run, comma separated (overrides the suites')",
        "what runs",
        run="tiers",
        metavar="A,B",
    ),
    Option(
        "simulator_model",
        str,
        "user simulator model (overrides the suites')",
        "what runs",
        run="simulator_model",
        metavar="PROVIDER:MODEL",
    ),
    Option(
        "judge_model",
        str,
        "judge model for every rubric (overrides the rubrics' and suites')",
        "what runs",
        run="judge_model",
        metavar="PROVIDER:MODEL",
    ),
    Option("trials", int, "trials per scenario (overrides the suites')", "what runs", low=1, run="trials"),
    Option("seed", int, "base seed (overrides the suites')", "what runs", run="seed"),
    Option("live", bool, "allow paid model calls", "spending", default=False, switch=True, files=False),
    Option(
        "offline",
        bool,
        "serve every model from a local fake server (no key, no network)",
        "spending",
        default=False,
        switch=True,
    ),
    Option(
        "max_cost",
        float,
        "refuse to start a live run estimated above this many USD",
        "spending",
        low=0,
        above=True,
        run="max_cost_usd",
        metavar="USD",
    ),
    Option("replay", Path, "serve model calls from this cassette", "cache", run="replay_path", hub="replay_path"),
    Option("record", Path, "record model calls to this cassette", "cache", run="record_path", hub="record_path"),
    Option(
        "cache",
        bool,
        "read and write the response cache",
        "cache",
        default=True,
        switch=True,
        run="cache",
        hub="cache",
        aliases=("no_cache",),
    ),
    Option(
        "cache_dir",
        Path,
        "response cache directory",
        "cache",
        default=".evalkit/cache",
        run="cache_dir",
        hub="cache_dir",
        metavar="DIR",
    ),
    Option(
        "report_dir", Path, "where run directories go", "output", default="reports", run="report_dir", metavar="DIR"
    ),
    Option(
        "resume",
        str,
        "resume an interrupted run (its directory, or latest)",
        "output",
        files=False,
        env=False,
        run="resume",
        metavar="RUN_DIR",
    ),
    Option("baseline", Path, "fail on significant regressions against this run directory", "output", metavar="RUN_DIR"),
    Option("progress", bool, "live progress display", "output", default=True, switch=True),
    Option(
        "preflight",
        bool,
        "before the first model call, import and build each agent, resolve every model name "
        "and connect to each base URL of a live run; stop with exit 4 on a problem",
        "spending",
        default=True,
        switch=True,
    ),
    Option(
        "require_run",
        bool,
        "fail with exit 5 when no evalkit scenario ran (all skipped, e.g. live mode off, "
        "or no suite collected under the suite paths): CI that means to evaluate must not pass on nothing",
        "output",
        default=False,
        switch=True,
        aliases=("strict",),
    ),
    Option(
        "concurrency",
        int,
        "static cap on connections per model endpoint (unset: adaptive)",
        "connections",
        low=1,
        run="max_connections",
        hub="max_connections",
    ),
    Option(
        "timeout_s",
        float,
        "seconds one model request may take",
        "connections",
        default=120.0,
        low=0,
        above=True,
        run="timeout_s",
        hub="timeout_s",
        metavar="S",
    ),
    Option(
        "max_retries",
        int,
        "retries of a failed model request (429s: see rate_limit_wait_s)",
        "connections",
        default=4,
        low=0,
        run="max_retries",
        hub="max_retries",
    ),
    Option(
        "base_urls",
        dict,
        "endpoint per provider (repeatable)",
        "connections",
        run="base_urls",
        hub="base_urls",
        aliases=("base_url",),
        metavar="PROVIDER=URL",
    ),
    Option(
        "executor",
        str,
        "where sessions run: this process, or Ray workers (pip install 'evalkit[ray]')",
        "executor",
        default="local",
        choices=EXECUTORS,
        run="executor.kind",
    ),
    Option(
        "ray_address",
        str,
        "Ray cluster for the ray executor: auto, ray://host:10001 or local "
        "(default: RAY_ADDRESS, else a new local cluster)",
        "executor",
        run="executor.address",
        metavar="ADDRESS",
    ),
    Option(
        "ray_workers",
        int,
        "Ray worker actors, one CPU each (default: the cluster's CPUs)",
        "executor",
        low=1,
        run="executor.workers",
    ),
)


def _limit(name: str, kind: type, help: str, hub: str, **more: Any) -> Option:
    """A per-endpoint limit: a key of RunConfig.limits under its own name, then a HubConfig field (docs/scale.md)."""
    return Option(name, kind, help, "limits", run=f"limits.{name}", hub=hub, **more)


LIMIT_OPTIONS: tuple[Option, ...] = (
    _limit("rpm", int, "requests per minute per endpoint (a static cap)", low=1, hub="rpm"),
    _limit("tpm", int, "estimated tokens per minute per endpoint (a static cap)", low=1, hub="tpm"),
    _limit(
        "adaptive",
        bool,
        "adaptive concurrency and header pacing (false: fixed limit)",
        default=True,
        hub="adaptive.enabled",
    ),
    _limit("adaptive_min", int, "fewest connections a rate-limit cut may leave", default=2, low=1, hub="adaptive.min"),
    _limit("adaptive_start", int, "connections before anything is learned", default=16, low=1, hub="adaptive.start"),
    _limit("adaptive_max", int, "most connections adaptive growth may reach", default=256, low=1, hub="adaptive.max"),
    _limit(
        "adaptive_increase",
        float,
        "growth per clean round, x limit",
        default=0.1,
        low=0,
        above=True,
        at_most=1,
        hub="adaptive.increase",
    ),
    _limit(
        "adaptive_decrease",
        float,
        "cut on a rate-limit signal, x limit",
        default=0.7,
        low=0,
        above=True,
        below=1,
        hub="adaptive.decrease",
    ),
    _limit(
        "adaptive_cooldown_s",
        float,
        "at most one cut per this many seconds",
        default=5.0,
        low=0,
        hub="adaptive.cooldown_s",
    ),
    _limit("pace", bool, "pace requests by the providers' rate-limit headers", default=True, hub="adaptive.pace"),
    _limit(
        "pace_reserve",
        float,
        "share of each announced limit left unspent",
        default=0.05,
        low=0,
        below=1,
        hub="adaptive.reserve",
    ),
    _limit(
        "rate_limit_wait_s",
        float,
        "seconds one call keeps retrying 429s",
        default=900.0,
        low=0,
        hub="rate_limit_wait_s",
    ),
    _limit(
        "shared_limits",
        bool,
        "under pytest-xdist, one budget for all workers (false: each worker has the whole budget)",
        default=True,
        hub="shared_limits",
    ),
)
OPTIONS: tuple[Option, ...] = _RUN + LIMIT_OPTIONS

# [tool.evalkit] keys that the module named reads and checks itself (its value is not one of the table's kinds);
# the table knows them so that they are not unknown keys, and lists them in the docs.
READ_ELSEWHERE: dict[str, str] = {
    "history": "run history database: true (default: reports/history.db), false, a database URL or a SQLite file; "
    "EVALKIT_HISTORY_URL wins (evalkit.history.target)",
    "prices": 'model prices over evalkit/data/prices.yaml, a table of "provider:model" = {input = ..., output = ..., '
    "cached_input = ...} in USD per 1M tokens; a prices.yaml next to a suite wins (evalkit.spec.prices)",
}
BY_NAME: dict[str, Option] = {o.name: o for o in OPTIONS}
ALIASES: dict[str, Option] = {alias: o for o in OPTIONS for alias in o.aliases}
ADAPTIVE_BOUNDS = ("adaptive_min", "adaptive_start", "adaptive_max")
