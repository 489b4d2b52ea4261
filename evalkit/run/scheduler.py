"""Run every session and its judging concurrently on one event loop, writing as it goes.

Model-call concurrency is bounded per endpoint by the hub's limiters, so a slow
judge endpoint does not starve the agent endpoint. The only limit here is
`max_open_sessions` (started, not yet judged), which bounds memory. Judging of a
transcript starts the moment its session ends, in the same task.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import Iterable

from evalkit.conversation.transcript import TerminationReason, Transcript, TranscriptMeta
from evalkit.judging.verdict import Outcome
from evalkit.llm.source import ModelSource
from evalkit.run.config import RunConfig
from evalkit.run.executors.base import open_executor
from evalkit.run.manifest import record_endpoints
from evalkit.run.opening import OpenedRun, open_run
from evalkit.run.outcome import ItemResult, ResultCallback, RunStatus, RunSummary
from evalkit.run.plan import WorkItem
from evalkit.run.progress import ProgressCallback, Tally
from evalkit.run.records import result_rows, trial_record
from evalkit.run.run_dir import RESULTS, TRIALS, dump_line, redacted_transcript
from evalkit.run.stages import Judgement, StageContext, Stages

log = logging.getLogger(__name__)


def _failed_transcript(item: WorkItem, exc: BaseException) -> Transcript:
    """A session stage that raised still yields a transcript, so the failure is recorded, not fatal."""
    return Transcript(
        meta=TranscriptMeta(
            scenario_id=item.scenario_id, trial=item.trial, seed=item.seed, agent_model=item.agent_model
        ),
        termination=TerminationReason.infrastructure_error,
        termination_detail=f"session stage raised {type(exc).__name__}: {exc}",
        error_traceback="".join(traceback.format_exception(exc)),
    )


def _spent(transcript: Transcript) -> tuple[int, float | None]:
    tokens = 0
    cost: float | None = 0.0  # None once any role's cost is unknown
    for ru in transcript.usage_by_role.values():
        tokens += ru.usage.input_tokens + ru.usage.output_tokens
        cost = None if cost is None or ru.cost_usd is None else cost + ru.cost_usd
    return tokens, cost


def _kept_spend(kept: Iterable[ItemResult]) -> tuple[int, float]:
    """Tokens and known cost of the trials a resumed run keeps: they count against its budgets."""
    tokens, cost = 0, 0.0
    for result in kept:
        row = result.trial or {}
        tokens += sum(t.get("input", 0) + t.get("output", 0) for t in (row.get("tokens") or {}).values())
        cost += (row.get("cost_usd") or {}).get("total") or 0.0
    return tokens, cost


class Scheduler:
    """Drives one opened run to its end: complete, budget_stopped or interrupted."""

    def __init__(
        self,
        opened: OpenedRun,
        hub: ModelSource,
        stages: Stages | None,
        progress: ProgressCallback | None,
        on_result: ResultCallback | None,
    ) -> None:
        self.run = opened
        self.session_stage, self.judge_stage = (stages or Stages()).resolved()
        self.progress = progress
        self.on_result = on_result
        limits = getattr(hub, "limits_snapshot", None)  # per-endpoint concurrency, 429s, tokens/min for the live view
        self.tally = Tally(planned=len(opened.items), kept=len(opened.kept), endpoints=limits)
        self.tally.decided = len(opened.kept)
        self.tally.kept_tokens, self.tally.kept_cost_usd = _kept_spend(opened.kept.values())
        self.ctx = StageContext(opened.run_id, opened.config, hub, opened.events.emit)
        self.tasks: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Event()  # set whenever an open session's task ends
        self.decided: set[str] = set(opened.kept)
        self.summary: RunSummary | None = None  # set when the run ends, also when it was cancelled

    def _report(self) -> None:
        if self.progress is not None:
            try:
                self.progress(self.tally.snapshot())
            except Exception:  # a broken progress display must not stop the run
                log.warning("progress callback failed", exc_info=True)

    def _publish(self, result: ItemResult) -> None:
        if self.on_result is not None:
            self.on_result(result)

    async def execute(self) -> RunSummary:
        """Start the executor (where the stages run: here, or Ray workers), run everything, stop it."""
        executor = open_executor(self.run.config.executor)
        self.session_stage, self.judge_stage = await executor.start(
            self.run, self.ctx, self.session_stage, self.judge_stage
        )
        self.tally.endpoints = getattr(self.ctx.hub, "limits_snapshot", None)  # the executor may report for workers
        try:
            return await self._execute()
        finally:
            await asyncio.shield(executor.stop())

    async def _execute(self) -> RunSummary:
        for kept in self.run.kept.values():
            self._publish(kept)
        self._report()
        status: RunStatus = "complete"
        try:
            await self._dispatch()
            if self.tasks:
                await asyncio.gather(*self.tasks)
            if self.tally.stopped_reason:
                status = "budget_stopped"
        except asyncio.CancelledError:
            await self._cancel_all()
            self._finish("interrupted", "cancelled")
            raise
        except BaseException as exc:
            await self._cancel_all()
            self._finish("interrupted", f"{type(exc).__name__}: {exc}")
            raise
        return self._finish(status, self.tally.stopped_reason)

    async def _dispatch(self) -> None:
        """Start work in plan order while slots (max_open_sessions) and budgets allow, until done or stopped."""
        cap = self.run.config.max_open_sessions
        for item in self.run.pending:
            judge_only = item.key in self.run.transcripts
            while True:
                ok, reason = (True, None) if judge_only else self.tally.may_start(self.run.config, len(self.tasks))
                if reason:
                    self.tally.stopped_reason = reason
                    self._report()
                    return
                if ok and len(self.tasks) < cap:
                    break
                self._changed.clear()
                await self._changed.wait()  # a task finished
            task = asyncio.create_task(self._process(item), name=f"evalkit:{item.key}")
            self.tasks.add(task)
            task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        self._changed.set()

    async def _process(self, item: WorkItem) -> None:
        transcript, rel, digest = await self._session(item)
        judgement = await self._judge(item, transcript)
        self._decide(item, transcript, rel, digest, judgement)

    async def _session(self, item: WorkItem) -> tuple[Transcript, str, str]:
        rel = self.run.transcripts.get(item.key)
        if rel is not None:
            transcript = self.run.dir.read_transcript(rel)
            if transcript is not None:
                return transcript, rel, transcript.content_hash()
        emit = self.ctx.emit
        self.tally.started += 1
        self.tally.running += 1
        emit("session_started", {"key": item.key, "seed": item.seed})
        self._report()
        try:
            transcript = await self.session_stage(item, self.ctx)
        except asyncio.CancelledError as cancel:  # keep what was said, under a name resume ignores
            partial = getattr(cancel, "transcript", None)
            if isinstance(partial, Transcript):
                self.run.dir.write_transcript(item.file_stem + ".incomplete", partial)
            raise
        except Exception as exc:  # noqa: BLE001 - a broken stage is recorded as the session's failure
            transcript = _failed_transcript(item, exc)
        finally:
            self.tally.running -= 1
        task = asyncio.current_task()
        if transcript.incomplete and task is not None and task.cancelling():  # a stage that swallowed our cancel
            self.run.dir.write_transcript(item.file_stem + ".incomplete", transcript)
            raise asyncio.CancelledError()
        # The file and the hash resume checks it by hold no secret; checks and the judge still see what was said,
        # so a check for a leaked key can fail the trial.
        clean, data = redacted_transcript(transcript)
        rel = await asyncio.to_thread(self.run.dir.write_transcript, item.file_stem, data)
        digest = clean.content_hash()
        self.tally.spend(*_spent(transcript))
        emit(
            "session_ended",
            {
                "key": item.key,
                "transcript_path": rel,
                "transcript_hash": digest,
                "termination": transcript.termination,
                "turns": max((m.turn for m in transcript.messages), default=0),
            },
        )
        return transcript, rel, digest

    async def _judge(self, item: WorkItem, transcript: Transcript) -> Judgement:
        stored = self.run.judged.get(item.key)
        if stored is not None:
            return Judgement.model_validate(stored)
        self.tally.judging += 1
        self._report()
        started = time.perf_counter()
        try:
            judgement = await self.judge_stage(item, transcript, self.ctx)
        except Exception as exc:  # noqa: BLE001 - judging failures make the trial invalid, never crash the run
            judgement = Judgement(outcome=Outcome.invalid, invalid_reason=f"judging raised {type(exc).__name__}: {exc}")
        finally:
            self.tally.judging -= 1
        if judgement.latency_s is None:  # an item's own time in pytest (--durations, JUnit) is session + judging
            judgement.latency_s = round(time.perf_counter() - started, 4)
        for verdict in judgement.verdicts:
            self.tally.spend(verdict.usage.input_tokens + verdict.usage.output_tokens, verdict.cost_usd)
        self.ctx.emit("judged", {"key": item.key, "judgement": judgement.model_dump(mode="json")})
        return judgement

    def _decide(self, item: WorkItem, transcript: Transcript, rel: str, digest: str, judgement: Judgement) -> None:
        """Results rows, then the trial row, then the event: a crash in between is repaired on resume."""
        run_id = self.run.run_id
        record = trial_record(run_id, item, transcript, judgement, rel, digest)
        rows = "".join(dump_line(r) for r in result_rows(run_id, item, record.transcript_hash, judgement))
        trial = dump_line(record)
        self.run.dir.append_text(RESULTS, rows)
        self.run.dir.append_text(TRIALS, trial)
        self.ctx.emit("trial_decided", {"key": item.key, "outcome": record.outcome, "score": record.score})
        self.tally.decided += 1
        self.decided.add(item.key)
        self._publish(ItemResult(item.key, item.item_key, "done", trial_json=trial, results_json=rows))
        self._report()

    async def _cancel_all(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)

    def _finish(self, status: RunStatus, reason: str | None) -> RunSummary:
        record_endpoints(self.run.manifest, self.ctx.hub)
        self.run.finish(status, reason)
        for item in self.run.items:
            if item.key not in self.decided:
                self._publish(ItemResult(item.key, item.item_key, "not_run", reason=reason or status))
        self._report()
        self.summary = self.run.summary(status, reason, decided=len(self.decided))
        return self.summary


async def execute_run(
    items: list[WorkItem],
    config: RunConfig,
    hub: ModelSource,
    progress: ProgressCallback | None = None,
    *,
    stages: Stages | None = None,
    on_result: ResultCallback | None = None,
    opened: OpenedRun | None = None,
) -> RunSummary:
    """Run all items to completion on the current loop and return the summary.

    The caller owns `hub` (and closes it). Pass `opened` when the run directory was
    opened beforehand (e.g. by `run_in_thread`, to fail fast on a bad resume in the caller's thread).
    """
    opened = opened or open_run(items, config)
    return await Scheduler(opened, hub, stages, progress, on_result).execute()
