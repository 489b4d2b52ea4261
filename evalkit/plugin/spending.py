"""Spending is explicit: which items may call paid models, and what a live run would cost.

Without live mode (`--evalkit-live` / EVALKIT_LIVE=1) only free routes run:
`--evalkit-offline` (local fake server), `--evalkit-replay` (cassettes) or items
whose every call is to a `mock:` model (judges of `claims_match_actions` checks,
panels and per-rubric judges included). Everything else is skipped with a reason.
Which models a session calls, and the upper-bound estimate, come from
`evalkit.run.calls`, which reads the run engine's own model resolution.
"""

from __future__ import annotations

from typing import Any

from evalkit.plugin.options import PluginSettings
from evalkit.run import RunConfig, WorkItem, plan_run
from evalkit.run.calls import (  # noqa: F401 - re-exported: the estimate's per-call shape
    INPUT_TOKENS_BASE,
    INPUT_TOKENS_PER_TURN,
    JUDGE_OUTPUT_TOKENS,
    OUTPUT_TOKENS,
    Estimate,
    SessionCalls,
    session_calls,
)
from evalkit.run.calls import estimate as estimate_work

SKIP_REASON = (
    "evalkit: live model calls are off, so this scenario would spend money; run with --evalkit-live "
    "(or EVALKIT_LIVE=1) to call models, --evalkit-replay CASSETTE to replay recorded calls, "
    "or --evalkit-offline to use the local fake models"
)


def run_config(settings: PluginSettings) -> RunConfig:
    """The settings that decide which models are called and how often (what `plan_run` and the stages read)."""
    return RunConfig(
        tiers=settings.agent_models,
        trials=settings.trials,
        simulator_model=settings.simulator_model,
        judge_model=settings.judge_model,
        seed=settings.seed,
        base_urls=dict(settings.base_urls),
    )


def item_calls(loaded: Any, scenario: Any, agent_model: str | None, settings: PluginSettings) -> SessionCalls:
    """What one session of this scenario x tier calls."""
    return session_calls(WorkItem(loaded, scenario, agent_model, 0, 0), run_config(settings))


def item_models(loaded: Any, scenario: Any, agent_model: str | None, settings: PluginSettings) -> dict[str, list[str]]:
    """Every model one session of this scenario may call, by role."""
    return item_calls(loaded, scenario, agent_model, settings).models()


def is_free(loaded: Any, scenario: Any, agent_model: str | None, settings: PluginSettings) -> bool:
    """True when no call of this item can cost money (all `mock:` models, no HTTP agent)."""
    return item_calls(loaded, scenario, agent_model, settings).free


def skip_reason(loaded: Any, scenario: Any, agent_model: str | None, settings: PluginSettings) -> str | None:
    """Why this item may not run now, or None when it may."""
    if settings.live or settings.offline or settings.replay is not None:
        return None
    return None if is_free(loaded, scenario, agent_model, settings) else SKIP_REASON


def estimate(items: list[Any], settings: PluginSettings) -> Estimate:
    """Upper-bound estimate for scenario items (each has loaded, scenario, agent_model): every trial `plan_run` makes."""
    wanted = {(id(i.loaded), i.scenario.id, i.agent_model) for i in items}
    suites = list({id(i.loaded): i.loaded for i in items}.values())
    config = run_config(settings)
    work = [w for w in plan_run(suites, config) if (id(w.suite), w.scenario_id, w.agent_model) in wanted]
    return estimate_work(work, config)
