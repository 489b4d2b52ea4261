"""The executor seam of the scheduler: it swaps the two stages for ones that run elsewhere."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from evalkit.run.executors.config import ExecutorConfig

if TYPE_CHECKING:
    from evalkit.run.opening import OpenedRun
    from evalkit.run.stages import JudgeStage, SessionStage, StageContext


class Executor(Protocol):
    """Started before the first item, stopped after the last (also on cancel or error).

    `start` returns the stages to run; it may also replace `ctx.hub` with one whose `limits_snapshot`
    reports for the processes that really call the models (the live view and run.json read it).
    """

    async def start(
        self, run: OpenedRun, ctx: StageContext, session: SessionStage, judge: JudgeStage
    ) -> tuple[SessionStage, JudgeStage]: ...

    async def stop(self) -> None: ...


class LocalExecutor:
    """Every stage on the scheduler's own event loop (the default)."""

    async def start(
        self, run: OpenedRun, ctx: StageContext, session: SessionStage, judge: JudgeStage
    ) -> tuple[SessionStage, JudgeStage]:
        return session, judge

    async def stop(self) -> None:
        return None


def open_executor(config: ExecutorConfig) -> Executor:
    if config.kind == "ray":
        from evalkit.run.executors.ray_executor import RayExecutor

        return RayExecutor(config)
    return LocalExecutor()
