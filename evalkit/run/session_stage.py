"""The real session stage: a work item becomes a `SessionSpec`, then a transcript."""

from __future__ import annotations

from typing import Any

from evalkit.conversation.transcript import Transcript
from evalkit.run.plan import WorkItem
from evalkit.run.stages import StageContext


def session_spec(item: WorkItem, run_id: str, simulator_model: str | None = None) -> Any:
    """Apply suite defaults, the agent config, the tier and any simulator override to one work item."""
    from evalkit.conversation import SessionSpec

    suite = item.suite.suite
    scenario = item.scenario
    defaults = suite.defaults
    simulator = suite.simulator
    if simulator_model:
        simulator = simulator.model_copy(update={"model": simulator_model})
    return SessionSpec(
        run_id=run_id,
        suite_name=suite.suite,
        scenario=scenario,
        trial=item.trial,
        seed=item.seed,
        agent=suite.agent_config,
        agent_params={**suite.agent_params, **scenario.params},
        agent_model=item.agent_model,
        simulator=simulator,
        max_turns=scenario.max_turns or defaults.max_turns,
        min_turns=scenario.min_turns if scenario.min_turns is not None else defaults.min_turns,
        agent_turn_timeout_s=defaults.agent_turn_timeout_s,
        session_timeout_s=defaults.session_timeout_s,
    )


async def run_item_session(item: WorkItem, ctx: StageContext) -> Transcript:
    """Run one session; turn events go to the run's event log."""
    from evalkit.conversation import run_session

    spec = session_spec(item, ctx.run_id, ctx.config.simulator_model)

    def on_event(kind: str, payload: dict[str, Any]) -> None:
        ctx.emit(kind, {"key": item.key, **payload})

    return await run_session(spec, ctx.hub, on_event=on_event)
