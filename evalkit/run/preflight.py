"""The preflight: everything a run needs that can be checked without a model call, checked before the first one.

A misspelt provider, an agent module that does not import, a factory that raises or a base URL nobody
answers used to surface one trial at a time, after the simulator and judge had been paid for. The
preflight runs before any session (pytest and `evalkit run`: before the run starts; `evalkit.run_scenario`;
`evalkit validate --deep`) and returns one line per problem; the plugin stops with exit status 4.

What it checks, per suite:
- every model name the run will call, and every provider a base URL is configured for, resolves to a registered
  provider (typo: did-you-mean);
- each Python agent imports and its factory constructs once, with the first tier and the suite's params
  (no model is called: constructing an SDK client opens no connection); a model agent's tools import;
- judge, simulator and HTTP-body templates compile with the variables their renderers give, and check schemas
  are schemas (what `evalkit validate` checks); regexes compile when a suite loads (`evalkit.spec`);
- every base URL the run would call answers a TCP connect within `timeout_s`: live, the configured endpoints;
  offline, the fake server's (the plugin starts it before the preflight, `endpoint_up`); a run that is neither
  spends nothing, so nothing is dialled.

Offline without a started endpoint (`evalkit validate --deep --offline`) agents are imported, not built: the
offline endpoint is what hands SDK clients their key and base URL.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from evalkit.conversation.agents.base import AgentSetupError
from evalkit.conversation.agents.callable import _accepts, adapt_object, failure, load_target
from evalkit.conversation.agents.tools import load_tool
from evalkit.run.config import RunConfig
from evalkit.run.model_names import base_url_problems, model_name_problems
from evalkit.spec.models import CallableAgent, FactoryAgent, HttpAgent, ModelAgent
from evalkit.spec.problems import display_path
from evalkit.spec.survey import later_suite_problems

UNUSED_URL = "http://127.0.0.1:9/v1"  # given to a factory that wants a base_url at preflight: never called


@dataclass(frozen=True)
class Preflight:
    """What the preflight checks against: the run's config, and whether its calls go out for real."""

    config: RunConfig
    live: bool = False
    timeout_s: float = 3.0
    endpoint_up: bool = False  # offline: the fake server runs and config.base_urls point at it


class PreflightError(ValueError):
    """The preflight found problems: one per line of the message."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def preflight(suites: list[Any], check: Preflight, tiers: list[str | None] | None = None) -> list[str]:
    """One line per problem in `suites` (LoadedSuite) under `check`; [] when the run may start."""
    problems = base_url_problems(check.config)
    for loaded in suites:
        wanted = tiers or list(check.config.tiers or loaded.suite.agent_models) or [None]
        problems += model_name_problems(loaded, check.config, wanted)
        problems += template_problems(loaded)
        problems += agent_problems(loaded, wanted[0], construct=check.endpoint_up or not check.config.offline)
        problems += tier_url_problems(loaded)
    dial = check.endpoint_up if check.config.offline else check.live
    if dial:
        urls = {url: where for loaded in suites for where, url in base_urls(loaded, check.config)}
        problems += [f"{where}: {p}" for url, where in urls.items() if (p := unreachable(url, check.timeout_s))]
    return list(dict.fromkeys(problems))


def require(suites: list[Any], check: Preflight, tiers: list[str | None] | None = None) -> None:
    """Raise PreflightError when `preflight` finds anything."""
    problems = preflight(suites, check, tiers)
    if problems:
        raise PreflightError(problems)


def template_problems(loaded: Any) -> list[str]:
    """Judge, simulator and HTTP-body templates and check schemas, compiled as `evalkit validate` does."""
    try:
        return [str(p) for p in later_suite_problems(loaded)]
    except Exception as err:  # noqa: BLE001 - a file that changed since it loaded: its own line, not a crash
        return [f"{display_path(loaded.path)}: templates could not be checked: {failure(err)}"]


# ---------------------------------------------------------------- agents


def agent_problems(loaded: Any, tier: str | None, construct: bool = True) -> list[str]:
    """Import the suite's agent and construct it once, in a thread of its own (an event loop may be running here).

    `construct=False` only imports (offline with no endpoint started: it gives SDK clients their key and URL).
    The factory gets the params a session would: the agent's own, then the suite's `agent_params`."""
    agent = loaded.suite.agent_config
    where = _where(loaded, "agent")
    if isinstance(agent, ModelAgent):
        return [f"{where}.tools: {name}: {failure(err)}" for name, err in _tool_failures(agent.tools)]
    if not isinstance(agent, (CallableAgent, FactoryAgent)):
        return []
    with ThreadPoolExecutor(1, thread_name_prefix="evalkit-preflight") as pool:
        params = {**agent.params, **(getattr(loaded.suite, "agent_params", None) or {})}
        error = pool.submit(asyncio.run, _construct(agent, tier, construct, params)).result()
    return [f"{where}: {error}"] if error else []


def tier_url_problems(loaded: Any) -> list[str]:
    """A tier's `base_url` its agent would never use (a Python agent without a `base_url` parameter, an HTTP agent):
    a setting nobody reads would send that tier's calls to the default endpoint instead."""
    urls = getattr(loaded.suite, "tier_base_urls", None) or {}
    agent = loaded.suite.agent_config
    if not urls or isinstance(agent, ModelAgent):
        return []
    params = {**(getattr(agent, "params", None) or {}), **(getattr(loaded.suite, "agent_params", None) or {})}
    if "base_url" in params:
        why = "the agent's params set base_url for every tier"
    elif isinstance(agent, (CallableAgent, FactoryAgent)):
        try:
            if _accepts(load_target(agent.target), "base_url"):
                return []
        except BaseException:  # noqa: BLE001 - an agent that does not import is agent_problems' line
            return []
        why = f"agent '{agent.target}' takes no base_url parameter (give its factory one)"
    elif isinstance(agent, HttpAgent):
        why = "an HTTP agent calls its own url"
    else:
        return []  # an installed agent kind is built by its own code: what it does with the tier is its business
    tiers = list(loaded.suite.agent_models)
    return [
        f"{_where(loaded, 'agent_models', tiers.index(tier) if tier in tiers else 0)}: {tier}: base_url {url} "
        f"would not be used: {why}"
        for tier, url in urls.items()
    ]


def _where(loaded: Any, key: str, *within: str | int) -> str:
    """`file:line:col: key` of a top-level suite key, or of an entry `within` it (the file alone when it cannot be
    read again)."""
    from evalkit.spec.yamlsource import read_yaml

    try:
        line, col = read_yaml(loaded.path).where((key, *within))
    except Exception:  # noqa: BLE001 - it loaded a moment ago; without a position the message still stands
        return f"{display_path(loaded.path)}: {key}"
    return f"{display_path(loaded.path)}:{line}:{col}: {key}"


def _tool_failures(tools: list[str]) -> Iterator[tuple[str, BaseException]]:
    for name in tools:
        try:
            load_tool(name)
        except Exception as err:  # noqa: BLE001 - reported, one line each
            yield name, err


async def _construct(
    agent: CallableAgent | FactoryAgent, tier: str | None, build: bool = True, given: dict[str, Any] | None = None
) -> str | None:
    """None when the target imports and (if a factory) builds; else why not, in one phrase."""
    try:
        obj = load_target(agent.target)
    except AgentSetupError as err:  # names the module and the import's own error
        return f"{err} (expected an importable module:attr)"
    except BaseException as err:  # noqa: BLE001 - SystemExit in a module's import is the agent's failure too
        return f"'{agent.target}' cannot be imported: {failure(err)}"
    if not build:
        return None
    params = dict(agent.params if given is None else given)
    if _accepts(obj, "base_url") and "base_url" not in params:
        params["base_url"] = UNUSED_URL
    try:
        built = await adapt_object(
            obj, agent.target, model=tier, params=params, factory=True if isinstance(agent, FactoryAgent) else None
        )
    except BaseException as err:  # noqa: BLE001
        return f"'{agent.target}' could not be constructed: {failure(err).removeprefix('AgentSetupError: ')}"
    try:
        if not getattr(obj, "evalkit_shared", False):
            await built.aclose()
    except BaseException:  # noqa: BLE001 - closing a probe is best effort
        pass
    return None


# ---------------------------------------------------------------- endpoints


def base_urls(loaded: Any, config: RunConfig) -> Iterator[tuple[str, str]]:
    """(where it is set, URL) for every base URL the run names for this suite: configured per provider, and any
    `base_url`, tier URL or HTTP agent url written in the suite or its rubrics."""
    yield from ((f"base_urls.{provider}", url) for provider, url in config.base_urls.items())
    agent = loaded.suite.agent_config
    if isinstance(agent, HttpAgent) and "${" not in agent.url:
        yield f"{display_path(loaded.path)}: agent.url", agent.url
    for path, model in [(loaded.path, loaded.suite), *((r.path, r.rubric) for r in loaded.rubrics.values())]:
        yield from ((f"{display_path(path)}: {key}", url) for key, url in _named_urls(model.model_dump()))


def _named_urls(data: Any, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(data, dict):
        for name, value in data.items():
            at = f"{key}.{name}" if key else str(name)
            if name == "base_url" and isinstance(value, str) and value:
                yield at, value
            elif name == "tier_base_urls" and isinstance(value, dict):  # agent_models: [{model, base_url}]
                yield from (
                    (f"agent_models[{tier}].base_url", url) for tier, url in value.items() if isinstance(url, str)
                )
            else:
                yield from _named_urls(value, at)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _named_urls(value, f"{key}[{index}]")


def unreachable(url: str, timeout_s: float) -> str | None:
    """None when something accepts a TCP connection at the URL's host and port; else the one-line problem."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"base URL {url!r}: expected http(s)://host[:port]/..."
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout_s):
            return None
    except OSError as err:
        why = "timed out" if isinstance(err, TimeoutError) else (err.strerror or type(err).__name__)
        return f"base URL {url} does not answer ({why} connecting to {parts.hostname}:{port} within {timeout_s:g} s)"
