"""Model names a suite will call, checked before any session: an unknown provider is a file:line error.

Without this check a misspelt provider (`openia:gpt-4.1`) reached the sessions:
each trial of a model agent ended as a setup error, a simulator or judge as an
invalid reading, so a typo cost a whole run. The names checked are those the
run will call (`evalkit.run.calls`, the run's own model resolution): model
agents, their tiers, simulators, every rubric judge and panel, and the judges of
`claims_match_actions` checks. Collection and `run_scenario` both check. A Python or HTTP agent's tier without a colon is
passed to the agent as is and not checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from evalkit.llm.endpoint import split_name, unknown_provider
from evalkit.llm.providers import PROVIDERS
from evalkit.run.calls import HTTP, session_calls
from evalkit.run.config import RunConfig
from evalkit.run.plan import WorkItem
from evalkit.spec.models import ModelAgent
from evalkit.spec.problems import Problem

KeyPath = tuple[str | int, ...]


def model_name_problems(loaded: Any, config: RunConfig, tiers: list[str | None] | None = None) -> list[str]:
    """One `file:line:col: key: message` line per model name with an unknown provider (empty when all are known).

    `config` carries the overrides that decide which models are called (tiers, simulator, judge); `tiers`
    narrows the check to the tiers that will run (default: the config's, else the suite's).
    """
    bad: dict[str, str] = {}  # model name -> its role and what is wrong
    model_agent = isinstance(loaded.suite.agent_config, ModelAgent)
    tiers = tiers or list(config.tiers or loaded.suite.agent_models) or [None]
    for scenario in loaded.scenarios:
        for tier in tiers:
            for call in session_calls(WorkItem(loaded, scenario, tier, 0, 0), config).planned:
                if call.model in bad or call.provider == HTTP:
                    continue
                if call.role == "agent" and not model_agent and ":" not in call.model:
                    continue  # a Python agent's tier is the factory's to interpret
                try:
                    split_name(call.model)
                except ValueError as err:
                    bad[call.model] = f"{call.role} {err}"
    return [str(_locate(loaded, name, message)) for name, message in bad.items()]


def base_url_problems(config: RunConfig) -> list[str]:
    """One line per configured base URL keyed by a provider evalkit does not know (`--evalkit-base-url
    opnai=...`, `[tool.evalkit.base_urls]`): nothing would read it, and that provider's calls would go to
    their default endpoint, a live one, instead of the URL the user meant."""
    return [f"base_urls.{name}: {unknown_provider(name)}" for name in config.base_urls if name not in PROVIDERS]


def _locate(loaded: Any, name: str, message: str) -> Problem:
    """Where the name is written: the suite file, else a rubric file, else the suite's first line."""
    from evalkit.spec.problems import format_key_path
    from evalkit.spec.yamlsource import read_yaml

    files = [Path(loaded.path)] + [Path(r.path) for r in loaded.rubrics.values()]
    for path in dict.fromkeys(files):
        try:
            located = read_yaml(path)
        except Exception:  # noqa: BLE001 - it loaded a moment ago; without positions the message still stands
            continue
        for parts in _paths_to(located.data, name):
            line, col = located.where(parts)
            return Problem(located.path, line, col, format_key_path(parts), message)
    return Problem(str(loaded.path), 1, 1, "", f"{message} (set on the command line or in [tool.evalkit])")


def _paths_to(data: Any, value: str, parts: KeyPath = ()) -> Iterator[KeyPath]:
    """Key paths whose value is exactly `value`, in document order."""
    if isinstance(data, dict):
        for key, child in data.items():
            yield from _paths_to(child, value, (*parts, str(key)))
    elif isinstance(data, list):
        for index, child in enumerate(data):
            yield from _paths_to(child, value, (*parts, index))
    elif data == value:
        yield parts
