"""Which models one session calls, by role and endpoint, and an upper bound of what that costs.

The answer is read from the run's own resolution, not worked out a second time:
`session_spec` (agent, tier, simulator override, limits, scripted turns),
`judging_setup` (the default judge and the rubrics with `judge_model` applied),
`resolve_judge` (rubric vs suite judge, panels) and `claims_model` (the judge of a
`claims_match_actions` check), and the hub's `resolve_base_url` for endpoints.
So what the plugin's spending rule and estimate see is what the run will call.

Counts are upper bounds: every session runs to `max_turns`, a model agent uses
all of its `max_steps` each turn, every judge sample is asked; repairs and retries
are not counted. Token counts follow a rough per-call shape (constants below).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from evalkit.conversation.session_spec import SessionSpec
from evalkit.conversation.user_side import build_script
from evalkit.judging.claims import claims_model
from evalkit.judging.judge import resolve_judge
from evalkit.llm.endpoint import resolve_base_url, split_name
from evalkit.llm.pricing import PriceTable
from evalkit.run.config import RunConfig
from evalkit.run.judge_stage import judging_setup
from evalkit.run.plan import WorkItem
from evalkit.run.session_stage import session_spec
from evalkit.spec.checks import Check
from evalkit.spec.models import HttpAgent, ModelAgent

ROLES = ("agent", "simulator", "judge")
HTTP = "http"  # the provider of an HTTP agent: its spending is not evalkit's to price
# Rough shape of one call, used only for the estimate.
INPUT_TOKENS_BASE = 600
INPUT_TOKENS_PER_TURN = 250
OUTPUT_TOKENS = 200
JUDGE_OUTPUT_TOKENS = 400


@dataclass(frozen=True, slots=True)
class PlannedCall:
    """Calls one session makes to one model for one purpose (upper bound)."""

    role: str  # agent / simulator / judge
    model: str  # provider:model (an HTTP agent: its tier, else "http")
    provider: str  # openai / anthropic / mock / http
    endpoint: str | None  # base URL the hub uses; None when the agent builds its own client
    purpose: str  # "agent", "simulator", "rubric <ref>", "check claims_match_actions"
    calls: int
    input_tokens: int
    output_tokens: int

    @property
    def free(self) -> bool:
        """Only the in-process `mock:` provider costs nothing; anything over HTTP may."""
        return self.provider == "mock"


@dataclass(frozen=True, slots=True)
class SessionCalls:
    """Everything one session of a work item may call."""

    planned: tuple[PlannedCall, ...]

    def models(self) -> dict[str, list[str]]:
        """Models by role, in first-use order, without repeats (roles with none map to [])."""
        out: dict[str, list[str]] = {role: [] for role in ROLES}
        for call in self.planned:
            if call.model not in out[call.role]:
                out[call.role].append(call.model)
        return out

    @property
    def free(self) -> bool:
        """True when no call of the session can cost money (all `mock:`, no HTTP agent)."""
        return all(call.free for call in self.planned)


def session_calls(item: WorkItem, config: RunConfig) -> SessionCalls:
    """What one session of `item` calls under `config` (its simulator / judge overrides and base URLs)."""
    spec = session_spec(item, config.run_id or "", config.simulator_model)
    urls = _Endpoints(config)
    agent_turns, simulated = turn_plan(spec)
    planned = [*_agent_calls(spec, agent_turns, urls), *_simulator_calls(spec, agent_turns, simulated, urls)]
    planned += _judge_calls(item, config, agent_turns, urls)
    return SessionCalls(tuple(c for c in planned if c.calls > 0))


def turn_plan(spec: SessionSpec) -> tuple[int, int]:
    """(agent turns, simulated user turns) of a session that goes on as long as it may.

    Scripted turns need no simulator; a turn that needs one when none is set ends the session.
    """
    script = build_script(spec)
    simulated = 0
    for turn in range(1, spec.max_turns + 1):
        if turn <= len(script) and script[turn - 1] is not None:
            continue
        if not spec.simulator.model:
            return turn - 1, simulated
        simulated += 1
    return spec.max_turns, simulated


class _Endpoints:
    """provider:model (+ explicit base_url) -> (provider, base URL), as the hub resolves it."""

    def __init__(self, config: RunConfig) -> None:
        self.hub = config.hub_config()

    def __call__(self, model: str, base_url: str | None = None) -> tuple[str, str | None]:
        try:
            provider, _ = split_name(model)
        except ValueError:  # the run reports a bad name as a model error; the plan must not crash on it
            return model.partition(":")[0], None
        return provider, resolve_base_url(provider, self.hub, base_url)[0]


def _conversation_in(turns: int) -> int:
    return sum(INPUT_TOKENS_BASE + INPUT_TOKENS_PER_TURN * t for t in range(turns))


def _agent_calls(spec: SessionSpec, turns: int, urls: _Endpoints) -> list[PlannedCall]:
    agent = spec.agent
    if isinstance(agent, HttpAgent):  # priced as its tier when it has one, else unknown
        tier = spec.agent_model or HTTP
        return [
            PlannedCall("agent", tier, HTTP, agent.url, "agent", turns, _conversation_in(turns), OUTPUT_TOKENS * turns)
        ]
    model = spec.agent_model or (agent.model if isinstance(agent, ModelAgent) else None)
    if not model:  # a Python agent with no tier: whatever it calls is its own business
        return []
    steps = agent.max_steps if isinstance(agent, ModelAgent) else 1
    provider, endpoint = urls(model)
    if not isinstance(agent, ModelAgent):
        endpoint = None  # a Python agent builds its own client (offline: pointed at the fake server)
    tokens_in = _conversation_in(turns) * steps
    return [
        PlannedCall(
            "agent", model, provider, endpoint, "agent", turns * steps, tokens_in, OUTPUT_TOKENS * turns * steps
        )
    ]


def _simulator_calls(spec: SessionSpec, turns: int, simulated: int, urls: _Endpoints) -> list[PlannedCall]:
    model = spec.simulator.model
    if not model or not simulated:
        return []
    provider, endpoint = urls(model)
    tokens_in = _conversation_in(turns) * simulated // max(turns, 1)
    return [
        PlannedCall(
            "simulator", model, provider, endpoint, "simulator", simulated, tokens_in, OUTPUT_TOKENS * simulated
        )
    ]


def _judge_calls(item: WorkItem, config: RunConfig, turns: int, urls: _Endpoints) -> list[PlannedCall]:
    """Rubric judges (every panel model x samples x prompt groups), then claims checks' judges."""
    default_judge, rubrics = judging_setup(item, config.judge_model)
    tokens_in = INPUT_TOKENS_BASE + INPUT_TOKENS_PER_TURN * turns
    out: list[PlannedCall] = []

    def add(model: str, base_url: str | None, purpose: str, calls: int) -> None:
        provider, endpoint = urls(model, base_url)
        out.append(
            PlannedCall(
                "judge", model, provider, endpoint, purpose, calls, tokens_in * calls, JUDGE_OUTPUT_TOKENS * calls
            )
        )

    for resolved in rubrics:
        rubric = resolved.rubric
        judge = resolve_judge(rubric.judge, default_judge)
        llm = [c for c in rubric.criteria if c.is_llm]
        prompts = (1 if rubric.granularity == "rubric" else len(llm)) if llm else 0
        for model in judge.models():
            add(model, judge.base_url, f"rubric {resolved.ref}", prompts * judge.samples)
        for check in (c.check for c in rubric.criteria if c.check is not None):
            _claims(check, judge, f"rubric {resolved.ref} check claims_match_actions", add)
    for check in item.scenario.checks:
        _claims(check, default_judge, "check claims_match_actions", add)
    return out


def _claims(check: Check, judge: Any, purpose: str, add: Any) -> None:
    """A `claims_match_actions` check makes one judge call (its own judge_model, else the judge's first model)."""
    if check.claims_match_actions is None:
        return
    model, base_url = claims_model(check.claims_match_actions, judge)
    if model is not None:
        add(model, base_url, purpose, 1)


class Estimate(BaseModel):
    """Upper-bound sessions, calls, tokens and cost of running some work items."""

    sessions: int = 0
    calls: dict[str, int] = Field(default_factory=dict)  # by role
    calls_by_model: dict[str, int] = Field(default_factory=dict)  # "role provider:model" -> calls
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = 0.0  # None when nothing could be priced
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


def estimate(items: Iterable[WorkItem], config: RunConfig, prices: PriceTable | None = None) -> Estimate:
    """Sum `session_calls` over work items (one per trial, as `plan_run` makes them) and price them."""
    est = Estimate()
    calls: Counter[str] = Counter()
    by_model: Counter[str] = Counter()
    tokens: dict[str, list[int]] = {}
    memo: dict[tuple[int, str, str | None], SessionCalls] = {}  # trials of one item call the same models
    for item in items:
        key = (id(item.suite), item.scenario.id, item.agent_model)
        if key not in memo:
            memo[key] = session_calls(item, config)
        est.sessions += 1
        for call in memo[key].planned:
            calls[call.role] += call.calls
            by_model[f"{call.role} {call.model}"] += call.calls
            acc = tokens.setdefault(call.model, [0, 0])
            acc[0] += call.input_tokens
            acc[1] += call.output_tokens
    est.calls, est.calls_by_model = dict(calls), dict(by_model)
    est.input_tokens = sum(v[0] for v in tokens.values())
    est.output_tokens = sum(v[1] for v in tokens.values())
    est.cost_usd, est.unknown_prices = _cost(tokens, prices or PriceTable())
    return est


def _cost(tokens: dict[str, list[int]], prices: PriceTable) -> tuple[float | None, list[str]]:
    total, unknown = 0.0, []
    for model, (tin, tout) in tokens.items():
        if model.startswith("mock:"):
            continue
        price = prices.price(model)
        if price is None:
            unknown.append(model)
            continue
        total += (tin * price.input + tout * price.output) / 1e6
    return (None if unknown and total == 0 else total), unknown
