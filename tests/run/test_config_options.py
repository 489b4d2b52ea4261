"""RunConfig and HubConfig are built from the option table: the settings' own names are accepted, each row with a
`run` target fills that field and each `hub` target the hub's, and the old `no_cache` spelling still works."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from evalkit.llm.config import HubConfig
from evalkit.options import OPTIONS
from evalkit.run import RunConfig

VALUES = {
    "agent_models": ["mock:a"],
    "simulator_model": "mock:s",
    "judge_model": "mock:j",
    "trials": 2,
    "seed": 7,
    "max_cost": 1.5,
    "replay": Path("/c/replay.jsonl"),
    "record": Path("/c/rec.jsonl"),
    "cache": False,
    "cache_dir": Path("/c/cache"),
    "report_dir": Path("/r"),
    "resume": "latest",
    "concurrency": 3,
    "timeout_s": 9.0,
    "max_retries": 1,
    "base_urls": {"openai": "http://127.0.0.1:9/v1"},
    "executor": "local",
    "ray_address": "auto",
    "ray_workers": 2,
    "rpm": 60,
    "tpm": 6000,
    "adaptive": False,
    "adaptive_min": 3,
    "adaptive_start": 4,
    "adaptive_max": 5,
    "adaptive_increase": 0.5,
    "adaptive_decrease": 0.5,
    "adaptive_cooldown_s": 1.0,
    "pace": False,
    "pace_reserve": 0.2,
    "rate_limit_wait_s": 7.0,
    "shared_limits": False,
}
NOT_RUN = {
    "suites",
    "agent",
    "live",
    "offline",
    "baseline",
    "progress",
    "preflight",
    "require_run",
}  # the plugin's own (decided before a run)


def dotted(obj, path: str):
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def test_every_row_is_either_a_run_setting_or_the_plugins_own() -> None:
    assert {o.name for o in OPTIONS if o.run} == set(VALUES)  # a new row needs a value here
    assert {o.name for o in OPTIONS if not o.run} == NOT_RUN


@pytest.mark.parametrize("option", [o for o in OPTIONS if o.run], ids=lambda o: o.name)
def test_each_setting_fills_its_run_field_and_its_hub_field(option) -> None:
    config = RunConfig.from_options({**VALUES, "live": True, "progress": False})  # the plugin's own are left out
    assert dotted(config, option.run) == VALUES[option.name]
    if option.hub:
        assert dotted(config.hub_config(), option.hub) == VALUES[option.name]


def test_the_settings_names_are_accepted_by_runconfig_itself() -> None:
    config = RunConfig(
        concurrency=4, agent_models=["mock:a"], max_cost=2, rpm=60, executor="local", ray_workers=2, limits={"tpm": 100}
    )
    assert (config.max_connections, config.tiers, config.max_cost_usd) == (4, ["mock:a"], 2.0)
    assert (config.limits.rpm, config.limits.tpm, config.executor.workers) == (60, 100, 2)
    assert RunConfig.model_validate(config.model_dump()) == config  # a stored run.json reads back the same
    with pytest.raises(ValidationError, match="live"):
        RunConfig(live=True)  # the plugin's own settings are not the run engine's


def test_no_cache_is_the_old_spelling_of_cache() -> None:
    assert HubConfig(no_cache=True).cache is False and HubConfig(no_cache=True).no_cache
    assert HubConfig().cache and RunConfig(cache=False).hub_config().no_cache
