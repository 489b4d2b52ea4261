"""The real session stage: a work item becomes a `SessionSpec`, then a transcript."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evalkit.conversation import SessionSpec, run_session
from evalkit.conversation.transcript import Transcript
from evalkit.run.plan import WorkItem
from evalkit.run.stage_types import StageContext

# The scheduler writes session_started / session_ended itself (with the transcript's path, not its body).
_COVERED = {"session_start", "session_end"}


def session_spec(item: WorkItem, run_id: str, simulator_model: str | None = None) -> SessionSpec:
    """Suite defaults, the agent config, the tier and any simulator override, resolved for one work item."""
    suite = item.suite.suite
    if simulator_model:
        suite = suite.model_copy(update={"simulator": suite.simulator.model_copy(update={"model": simulator_model})})
    return SessionSpec.from_suite(
        suite,
        item.scenario,
        trial=item.trial,
        seed=item.seed,
        agent_model=item.agent_model,
        run_id=run_id,
        template_dir=Path(item.suite.path).parent,
    )


async def run_item_session(item: WorkItem, ctx: StageContext) -> Transcript:
    """Run one session; its turn events go to the run's event log under the item's key."""
    spec = session_spec(item, ctx.run_id, ctx.config.simulator_model)

    def on_event(kind: str, payload: dict[str, Any]) -> None:
        if kind in _COVERED:
            return
        ctx.emit(kind, {"key": item.key, **{k: v for k, v in payload.items() if k != "transcript"}})

    return await run_session(spec, ctx.hub, on_event=on_event)
