"""Spending is explicit: which items may call paid models, and what a live run would cost.

Without live mode (`--evalkit-live` / EVALKIT_LIVE=1) only free routes run:
`--evalkit-offline` (local fake server), `--evalkit-replay` (cassettes) or
suites whose every model is `mock:`. Everything else is skipped with a reason.
The estimate is an upper bound from the suite's shape: every session runs to
`max_turns`, so the real bill should come in below it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pydantic import BaseModel, Field

from evalkit.plugin.options import PluginSettings

SKIP_REASON = (
    "evalkit: live model calls are off, so this scenario would spend money; run with --evalkit-live "
    "(or EVALKIT_LIVE=1) to call models, --evalkit-replay CASSETTE to replay recorded calls, "
    "or --evalkit-offline to use the local fake models"
)
# Rough shape of one call, used only for the pre-run estimate.
INPUT_TOKENS_BASE = 600
INPUT_TOKENS_PER_TURN = 250
OUTPUT_TOKENS = 200
JUDGE_OUTPUT_TOKENS = 400


class Estimate(BaseModel):
    """Upper-bound calls, tokens and cost of a live run."""

    sessions: int = 0
    calls: dict[str, int] = Field(default_factory=dict)  # by role
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = 0.0  # None when a model's price is unknown
    unknown_prices: list[str] = Field(default_factory=list)

    def text(self) -> str:
        calls = ", ".join(f"{n} {role}" for role, n in self.calls.items())
        cost = "unknown" if self.cost_usd is None else f"${self.cost_usd:.2f}"
        unknown = f" (no price for: {', '.join(self.unknown_prices)})" if self.unknown_prices else ""
        return (
            f"evalkit live run estimate (upper bound, every session at max_turns): {self.sessions} sessions, "
            f"~{sum(self.calls.values())} calls ({calls}), ~{self.input_tokens + self.output_tokens:,} tokens, "
            f"~{cost}{unknown}"
        )


def item_models(loaded: Any, scenario: Any, agent_model: str | None, settings: PluginSettings) -> dict[str, list[str]]:
    """Every model one session of this scenario may call, by role."""
    suite = loaded.suite
    agent = suite.agent_config
    agent_models = [m for m in [agent_model or getattr(agent, "model", None)] if m]
    simulator = [m for m in [settings.simulator_model or suite.simulator.model] if m]
    judges: list[str] = []
    for resolved in loaded.rubrics_for(scenario):
        config = resolved.rubric.judge or suite.judge
        judges += [settings.judge_model] if settings.judge_model else (config.models() if config else [])
    if not judges and suite.judge is not None:
        judges = suite.judge.models()
    return {"agent": agent_models, "simulator": simulator, "judge": list(dict.fromkeys(judges))}


def is_free(loaded: Any, scenario: Any, agent_model: str | None, settings: PluginSettings) -> bool:
    """True when no call of this item can cost money (all `mock:` models, no HTTP agent)."""
    if getattr(loaded.suite.agent_config, "kind", "") == "http":
        return False
    models = item_models(loaded, scenario, agent_model, settings)
    return all(m.startswith("mock:") for ms in models.values() for m in ms)


def skip_reason(loaded: Any, scenario: Any, agent_model: str | None, settings: PluginSettings) -> str | None:
    """Why this item may not run now, or None when it may."""
    if settings.live or settings.offline or settings.replay is not None:
        return None
    return None if is_free(loaded, scenario, agent_model, settings) else SKIP_REASON


def estimate(items: list[Any], settings: PluginSettings) -> Estimate:
    """Upper-bound estimate for scenario items (each has loaded, scenario, agent_model)."""
    est = Estimate()
    calls: Counter[str] = Counter()
    spend: dict[str, list[int]] = {}
    for item in items:
        suite = item.loaded.suite
        trials = settings.trials or item.scenario.trials or suite.trials
        turns = item.scenario.max_turns or suite.defaults.max_turns
        models = item_models(item.loaded, item.scenario, item.agent_model, settings)
        steps = getattr(suite.agent_config, "max_steps", 1) if suite.agent_config.kind == "model" else 1
        per_session = _session_calls(item, models, turns, steps)
        est.sessions += trials
        for (role, model), (n, tin, tout) in per_session.items():
            calls[role] += n * trials
            acc = spend.setdefault(model, [0, 0])
            acc[0] += tin * trials
            acc[1] += tout * trials
    est.calls = dict(calls)
    est.input_tokens = sum(v[0] for v in spend.values())
    est.output_tokens = sum(v[1] for v in spend.values())
    est.cost_usd, est.unknown_prices = _cost(spend)
    return est


def _session_calls(item: Any, models: dict[str, list[str]], turns: int, steps: int) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(role, model) -> (calls, input tokens, output tokens) for one session."""
    out: dict[tuple[str, str], tuple[int, int, int]] = {}
    conversation_in = sum(INPUT_TOKENS_BASE + INPUT_TOKENS_PER_TURN * t for t in range(turns))
    for model in models["agent"]:
        out[("agent", model)] = (turns * steps, conversation_in * steps, OUTPUT_TOKENS * turns * steps)
    for model in models["simulator"]:
        out[("simulator", model)] = (turns, conversation_in, OUTPUT_TOKENS * turns)
    judge_in = INPUT_TOKENS_BASE + INPUT_TOKENS_PER_TURN * turns
    for resolved in item.loaded.rubrics_for(item.scenario):
        samples = resolved.rubric.judge.samples if resolved.rubric.judge else 1
        for model in models["judge"]:
            calls, tin, tout = out.get(("judge", model), (0, 0, 0))
            out[("judge", model)] = (calls + samples, tin + judge_in * samples, tout + JUDGE_OUTPUT_TOKENS * samples)
    return out


def _cost(spend: dict[str, list[int]]) -> tuple[float | None, list[str]]:
    total = 0.0
    unknown: list[str] = []
    for model, (tin, tout) in spend.items():
        if model.startswith("mock:"):
            continue
        price = price_per_mtok(model)
        if price is None:
            unknown.append(model)
            continue
        total += tin / 1e6 * price[0] + tout / 1e6 * price[1]
    return (None if unknown and total == 0 else total), unknown


def price_per_mtok(model: str) -> tuple[float, float] | None:
    """(input, output) USD per million tokens from evalkit's price table, None if unknown."""
    from evalkit.llm import PriceTable

    price = PriceTable().price(model)
    return None if price is None else (price.input, price.output)
