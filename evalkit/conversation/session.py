"""The session runner: simulator and agent take turns until someone stops, or a limit hits.

`run_session` never raises for agent, simulator or model failures; they end the
session with a termination reason (first reason wins):

* user_stop / agent_stop: the simulator's end signal (reason `agent_ended` counts as
  agent_stop) or the agent's `end=True`; also user_stop when a scripted scenario
  without a simulator model runs out of scripted turns;
* max_turns: `max_turns` agent replies were given;
* timeout: one agent turn exceeded `agent_turn_timeout_s`, or the whole session
  exceeded `session_timeout_s`;
* setup_error: the agent could not be imported or built; traceback recorded;
* agent_error: the agent raised; traceback recorded;
* simulator_error / infrastructure_error: see `evalkit.conversation.simulator.user`;
  an agent failing because its model endpoint failed is infrastructure_error too
  (`recording.is_infrastructure`); an invalidating guardrail ends the session as
  simulator_error at once;
* cancelled: the task was cancelled; the transcript is marked `incomplete`, handed
  to `on_event("session_end", ...)` and attached to the re-raised CancelledError
  as `.transcript`.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
import traceback
from collections.abc import Callable
from typing import Any

from evalkit.conversation.agents import Agent, AgentContext, AgentReply, build_agent
from evalkit.conversation.captured import Capture, open_capture
from evalkit.conversation.recording import agent_messages, is_infrastructure, message_event
from evalkit.conversation.session_spec import SessionSpec
from evalkit.conversation.simulator import Guardrails, pick_variation
from evalkit.conversation.state import capture_state
from evalkit.conversation.transcript import (
    TerminationReason,
    Transcript,
    TranscriptMessage,
    TranscriptMeta,
)
from evalkit.conversation.usage import UsageBook
from evalkit.conversation.user_side import UserSide
from evalkit.conversation.views import agent_view
from evalkit.llm.pricing import PriceTable
from evalkit.llm.source import ModelSource
from evalkit.llm.types import Usage
from evalkit.spec.models import ModelAgent, Persona

log = logging.getLogger(__name__)
OnEvent = Callable[[str, dict[str, Any]], Any]
R = TerminationReason


async def run_session(spec: SessionSpec, hub: ModelSource, on_event: OnEvent | None = None) -> Transcript:
    """Run one session and return its transcript (see the module docstring for termination rules)."""
    return await _Session(spec, hub, on_event).run()


class _Session:
    def __init__(self, spec: SessionSpec, hub: ModelSource, on_event: OnEvent | None) -> None:
        self.spec, self.hub, self.on_event = spec, hub, on_event
        self.book = UsageBook()
        self.book.add("agent", usage=Usage(), cost_usd=0.0, calls=0)
        self.transcript = Transcript(meta=self._meta(), started_at=time.time())
        self.agent: Agent | None = None
        self.capture: Capture | None = None  # an SDK agent's calls, read by the capture proxy
        self.user: UserSide
        self.event_base = {"session_id": spec.id, "scenario_id": spec.scenario.id, "trial": spec.trial}

    def _meta(self) -> TranscriptMeta:
        spec, persona = self.spec, self.spec.scenario.persona
        own_model = spec.agent.model if isinstance(spec.agent, ModelAgent) else None
        return TranscriptMeta(
            run_id=spec.run_id,
            suite=spec.suite_name,
            scenario_id=spec.scenario.id,
            trial=spec.trial,
            seed=spec.seed,
            agent_model=spec.agent_model or own_model,
            simulator_model=spec.simulator.model,
            agent_tier=spec.agent_model or "default",
            session_id=spec.id,
            agent_kind=spec.agent_kind,
            persona_id=persona.id if isinstance(persona, Persona) else persona,
            persona_variation=pick_variation(persona if isinstance(persona, Persona) else None, spec.seed),
            frozen_from=spec.frozen_from.content_hash() if spec.frozen_from else None,
        )

    async def run(self) -> Transcript:
        await self._emit("session_start", {"agent_model": self.spec.agent_model})
        deadline = asyncio.timeout(self.spec.session_timeout_s)
        try:
            async with deadline:
                await self._converse()
        except TimeoutError:
            self._end(R.timeout, f"session exceeded session_timeout_s={self.spec.session_timeout_s}")
        except asyncio.CancelledError as err:
            self._end(R.cancelled, "session cancelled before it finished")
            self.transcript.incomplete = True
            await self._finish()
            err.transcript = self.transcript  # type: ignore[attr-defined]  # the partial transcript rides on the CancelledError to the run's handler
            raise
        await self._finish()
        return self.transcript

    async def _converse(self) -> None:
        try:
            scenario = self.spec.scenario
            guardrails = Guardrails(self.spec.simulator.guardrails, goal=scenario.goal, unknown=scenario.unknown)
        except ValueError as err:
            return self._end(R.simulator_error, str(err))
        self.user = UserSide(self.spec, self.hub, guardrails, self.book)
        try:
            params, self.capture = await open_capture(self.spec, self.hub)
            self.transcript.meta.captured = self.capture is not None
            self.agent = await build_agent(self.spec.agent, hub=self.hub, model=self.spec.agent_model, params=params)
        except Exception as err:  # noqa: BLE001 - a broken agent is a result, not a crash
            self._fail_agent(err, "agent setup failed", setup=True)
            return
        for turn in range(1, self.spec.max_turns + 1):
            if not await self._user_turn(turn) or not await self._agent_turn(turn):
                return
        self._end(R.max_turns, f"reached max_turns={self.spec.max_turns}")

    # ------------------------------------------------------------ user side

    async def _user_turn(self, turn: int) -> bool:
        """Record the next user turn; False when the conversation ends here."""
        outcome = await self.user.next(turn, self.transcript.messages)
        if outcome.text:
            message = TranscriptMessage(
                role="user",
                content=outcome.text,
                turn=turn,
                timestamp=time.time(),
                latency_s=outcome.latency_s,
                scripted=outcome.scripted,
                replayed=outcome.replayed,
            )
            await self._record([message])
        self.transcript.guardrail_flags += outcome.flags
        if outcome.stop is not None:
            self._end(outcome.stop, outcome.stop_detail)
            return False
        if outcome.end_reason:
            return self._user_ends(turn, outcome.end_reason)
        spoiled = next((f for f in outcome.flags if f.action == "invalidate"), None)
        if spoiled:
            self._end(R.simulator_error, f"guardrail {spoiled.name} at turn {turn}: {spoiled.detail}")
            return False
        return True

    def _user_ends(self, turn: int, reason: str) -> bool:
        self.transcript.user_end_reason = reason
        if reason != "agent_ended":  # the agent closing early is not the simulator quitting early
            self.transcript.guardrail_flags += self.user.guardrails.check_end(turn - 1, self.spec.min_turns, turn)
        self._end(R.agent_stop if reason == "agent_ended" else R.user_stop, f"the user ended: {reason}")
        return False

    # ------------------------------------------------------------ agent side

    async def _agent_turn(self, turn: int) -> bool:
        spec = self.spec
        assert self.agent is not None, "_converse builds the agent before the first turn"
        context = AgentContext(
            session_id=spec.id,
            scenario_id=spec.scenario.id,
            trial=spec.trial,
            seed=spec.seed,
            turn=turn,
            model=spec.agent_model,
            run_id=spec.run_id,
        )
        started = time.monotonic()
        limit = asyncio.timeout(spec.agent_turn_timeout_s)
        try:
            async with limit:
                reply = await self.agent.respond(agent_view(self.transcript), context)
        except TimeoutError as err:
            await self._record(self._captured([], turn))
            if not limit.expired():
                return self._fail_agent(err, f"agent failed at turn {turn}")
            self._end(R.timeout, f"agent turn {turn} exceeded agent_turn_timeout_s={spec.agent_turn_timeout_s}")
            return False
        except Exception as err:  # noqa: BLE001 - the agent's failure is the session's result
            await self._record(self._captured([], turn))
            return self._fail_agent(err, f"agent failed at turn {turn}")
        recorded = _with_fidelity(agent_messages(reply.messages, turn, time.monotonic() - started), reply)
        calls_before = len(self.transcript.agent_calls)
        await self._record(self._captured(recorded, turn))
        if len(self.transcript.agent_calls) == calls_before:  # nothing seen on the wire: what the agent reported
            self._account(reply)
        if self.user.replay and self.user.replay.check(turn, reply.messages):
            self.transcript.meta.diverged_at_turn = turn
            await self._emit("diverged", {"turn": turn})
        if reply.end:
            self._end(R.agent_stop, "the agent ended the conversation")
            return False
        return True

    def _captured(self, recorded: list[TranscriptMessage], turn: int) -> list[TranscriptMessage]:
        """The turn's messages with the calls the capture proxy saw merged in; their usage and cost booked."""
        if self.capture is None:
            return recorded
        taken = self.capture.take(recorded, turn)
        self.transcript.guardrail_flags += taken.flags
        self.transcript.agent_calls += taken.calls
        if taken.calls:
            self.book.add("agent", taken.usage, taken.cost_usd, calls=len(taken.calls))
        return taken.messages

    def _account(self, reply: AgentReply) -> None:
        if reply.usage is None:
            self.book.add("agent", Usage(), None, calls=0)  # the agent did not report its spend: unknown
            return
        cost = reply.cost_usd
        if cost is None and not isinstance(self.spec.agent, ModelAgent):  # priced by the hub already
            cost = self._price(reply)
        self.book.add("agent", reply.usage, cost, calls=reply.calls or 1, cached_calls=reply.cached_calls)

    def _price(self, reply: AgentReply) -> float | None:
        name = self.spec.agent_model or reply.model
        if not name or reply.usage is None:
            return None
        table = getattr(self.hub, "prices", None)
        table = table if isinstance(table, PriceTable) else PriceTable()
        return table.cost(name, reply.usage)

    def _fail_agent(self, err: BaseException, prefix: str, setup: bool = False) -> bool:
        self.transcript.error_traceback = "".join(traceback.format_exception(err))
        reason = R.infrastructure_error if is_infrastructure(err) else (R.setup_error if setup else R.agent_error)
        self._end(reason, f"{prefix}: {type(err).__name__}: {err}")
        return False

    # ------------------------------------------------------------ bookkeeping

    def _end(self, reason: TerminationReason, detail: str) -> None:
        if self.transcript.termination is None:
            self.transcript.termination = reason
            self.transcript.termination_detail = detail

    async def _record(self, messages: list[TranscriptMessage]) -> None:
        for message in messages:
            self.transcript.messages.append(message)
            await self._emit("turn", message_event(message, {}))

    async def _finish(self) -> None:
        if self.capture is not None:
            self.capture.close()
        if self.agent is not None and not self.transcript.incomplete:  # before aclose: its store is still there
            self.transcript.state, self.transcript.state_error = await capture_state(self.agent)
        else:
            self.transcript.state_error = "the session was cancelled" if self.agent else "no agent was built"
        close = getattr(self.agent, "aclose", None)
        if close is not None:
            try:
                await close()
            except Exception:
                log.debug("agent aclose failed", exc_info=True)
        self.transcript.usage_by_role = self.book.snapshot()
        self.transcript.ended_at = time.time()
        payload = {"termination": self.transcript.termination, "detail": self.transcript.termination_detail}
        await self._emit("session_end", {**payload, "transcript": self.transcript})

    async def _emit(self, kind: str, payload: dict[str, Any]) -> None:
        if self.on_event is None:
            return
        try:
            result = self.on_event(kind, {**self.event_base, **payload})
            if inspect.isawaitable(result):
                await result
        except Exception:
            log.warning("on_event(%s) failed", kind, exc_info=True)


def _with_fidelity(recorded: list[TranscriptMessage], reply: AgentReply) -> list[TranscriptMessage]:
    """Carry each produced message's refusal and truncation onto its transcript message (same order)."""
    # not strict: a silent turn records one empty message that the reply does not have
    for message, produced in zip(recorded, reply.messages, strict=False):
        message.refusal, message.truncated = produced.refusal, produced.truncated
    return recorded
