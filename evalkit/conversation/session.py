"""The session runner: simulator and agent take turns until someone stops, or a limit hits.

`run_session` never raises for agent, simulator or model failures; they end the
session with a termination reason (first reason wins):

* user_stop / agent_stop: the simulator's end signal (reason `agent_ended` counts as
  agent_stop) or the agent's `end=True`; also user_stop when a scripted scenario
  without a simulator model runs out of scripted turns;
* max_turns: `max_turns` agent replies were given;
* timeout: one agent turn exceeded `agent_turn_timeout_s`, or the whole session
  exceeded `session_timeout_s`;
* agent_error: the agent raised (or could not be built); traceback recorded;
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
from evalkit.conversation.frozen import FrozenReplay
from evalkit.conversation.recording import agent_messages, is_infrastructure, message_event
from evalkit.conversation.session_spec import SessionSpec
from evalkit.conversation.simulator import Guardrails, SimulatorFailure, UserSimulator, pick_variation, render_prompt
from evalkit.conversation.simulator.prompt import TEMPLATE_DIR
from evalkit.conversation.transcript import (
    GuardrailFlag,
    TerminationReason,
    Transcript,
    TranscriptMessage,
    TranscriptMeta,
)
from evalkit.conversation.usage import UsageBook
from evalkit.conversation.views import agent_view
from evalkit.llm.pricing import PriceTable
from evalkit.llm.types import CallTag, Usage
from evalkit.spec.models import ModelAgent, Persona, UserTurn

log = logging.getLogger(__name__)
OnEvent = Callable[[str, dict[str, Any]], Any]
R = TerminationReason


async def run_session(spec: SessionSpec, hub: Any, on_event: OnEvent | None = None) -> Transcript:
    """Run one session and return its transcript (see the module docstring for termination rules)."""
    return await _Session(spec, hub, on_event).run()


def build_script(spec: SessionSpec) -> list[str | None]:
    """Scripted user turns in order: the opening, then `turns` (None = simulate that turn)."""
    scenario = spec.scenario
    script: list[str | None] = [scenario.opening] if scenario.opening else []
    script += [t.user if isinstance(t, UserTurn) else None for t in scenario.turns]
    return script


class _Session:
    def __init__(self, spec: SessionSpec, hub: Any, on_event: OnEvent | None) -> None:
        self.spec, self.hub, self.on_event = spec, hub, on_event
        self.book = UsageBook()
        self.book.add("agent", usage=_zero(), cost_usd=0.0, calls=0)
        self.script = build_script(spec)
        self.replay = FrozenReplay(spec.frozen_from, spec.frozen_similarity) if spec.frozen_from else None
        self.transcript = Transcript(meta=self._meta(), started_at=time.time())
        self.agent: Agent | None = None
        self.simulator: UserSimulator | None = None
        self.guardrails: Guardrails | None = None
        self.event_base = {"session_id": spec.id, "scenario_id": spec.scenario.id, "trial": spec.trial}

    def _meta(self) -> TranscriptMeta:
        spec, persona = self.spec, self.spec.scenario.persona
        own_model = spec.agent.model if isinstance(spec.agent, ModelAgent) else None
        return TranscriptMeta(
            run_id=spec.run_id, suite=spec.suite_name, scenario_id=spec.scenario.id, trial=spec.trial,
            seed=spec.seed, agent_model=spec.agent_model or own_model, simulator_model=spec.simulator.model,
            agent_tier=spec.agent_model or "default", session_id=spec.id, agent_kind=spec.agent_kind,
            persona_id=persona.id if isinstance(persona, Persona) else persona,
            persona_variation=pick_variation(persona if isinstance(persona, Persona) else None, spec.seed),
            frozen_from=self.replay.source_hash if self.replay else None,
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
            err.transcript = self.transcript  # type: ignore[attr-defined]
            raise
        await self._finish()
        return self.transcript

    async def _converse(self) -> None:
        try:
            scenario = self.spec.scenario
            self.guardrails = Guardrails(self.spec.simulator.guardrails, goal=scenario.goal, unknown=scenario.unknown)
        except ValueError as err:
            return self._end(R.simulator_error, str(err))
        try:
            self.agent = await build_agent(
                self.spec.agent, hub=self.hub, model=self.spec.agent_model, params=self.spec.agent_params
            )
        except Exception as err:  # noqa: BLE001 - a broken agent is a result, not a crash
            return self._fail_agent(err, "agent setup failed")
        for turn in range(1, self.spec.max_turns + 1):
            if not await self._user_turn(turn) or not await self._agent_turn(turn):
                return
        self._end(R.max_turns, f"reached max_turns={self.spec.max_turns}")

    # ------------------------------------------------------------ user side

    async def _user_turn(self, turn: int) -> bool:
        replayed = self.replay.user_turn(turn) if self.replay else None
        if replayed is not None:
            flags = [] if replayed.scripted or not replayed.text else self.guardrails.check_text(replayed.text, turn)
            return await self._accept_user(
                turn, replayed.text, replayed.end_reason, flags, scripted=replayed.scripted, replayed=True
            )
        in_script = turn <= len(self.script)
        if in_script and self.script[turn - 1] is not None:
            return await self._accept_user(turn, self.script[turn - 1], None, [], scripted=True)
        if not self.spec.simulator.model:
            if self.script and not in_script:
                self._end(R.user_stop, "scripted turns finished and no simulator model is configured")
            else:
                self._end(R.simulator_error, "a simulated turn is needed but simulator.model is not set")
            return False
        started = time.monotonic()
        try:
            parsed, flags = await self._get_simulator().next_turn(self.transcript.messages, turn)
        except SimulatorFailure as failure:
            self.transcript.guardrail_flags += failure.flags
            self._end(R(failure.termination), failure.detail)
            return False
        return await self._accept_user(turn, parsed.text, parsed.end_reason, flags, latency=time.monotonic() - started)

    async def _accept_user(
        self, turn: int, text: str | None, end_reason: str | None, flags: list[GuardrailFlag], *,
        scripted: bool = False, replayed: bool = False, latency: float | None = None,
    ) -> bool:
        if text:
            message = TranscriptMessage(
                role="user", content=text, turn=turn, timestamp=time.time(), latency_s=latency,
                scripted=scripted, replayed=replayed,
            )
            await self._record([message])
        self.transcript.guardrail_flags += flags
        if end_reason:
            self.transcript.user_end_reason = end_reason
            if end_reason != "agent_ended":
                self.transcript.guardrail_flags += self.guardrails.check_end(turn - 1, self.spec.min_turns, turn)
            self._end(R.agent_stop if end_reason == "agent_ended" else R.user_stop, f"the user ended: {end_reason}")
            return False
        spoiled = next((f for f in flags if f.action == "invalidate"), None)
        if spoiled:
            self._end(R.simulator_error, f"guardrail {spoiled.name} at turn {turn}: {spoiled.detail}")
            return False
        return True

    def _get_simulator(self) -> UserSimulator:
        if self.simulator is None:
            spec = self.spec
            try:
                prompt = render_prompt(
                    spec.scenario, seed=spec.seed, min_turns=spec.min_turns, max_turns=spec.max_turns,
                    template=spec.simulator_template(),
                )
            except Exception as err:  # noqa: BLE001 - template problems are reported, not raised
                raise SimulatorFailure("simulator_error", f"simulator template failed: {type(err).__name__}: {err}")
            tag = CallTag(role="simulator", scenario_id=spec.scenario.id, session_id=spec.id)
            self.simulator = UserSimulator(
                self.hub.model(spec.simulator.model), prompt, config=spec.simulator, guardrails=self.guardrails,
                seed=spec.seed, tag=tag, no_reply_text=(TEMPLATE_DIR / "no_reply.j2").read_text().strip(),
                on_response=lambda r: self.book.add_response("simulator", r),
            )
        return self.simulator

    # ------------------------------------------------------------ agent side

    async def _agent_turn(self, turn: int) -> bool:
        spec = self.spec
        context = AgentContext(
            session_id=spec.id, scenario_id=spec.scenario.id, trial=spec.trial, seed=spec.seed, turn=turn,
            model=spec.agent_model, run_id=spec.run_id,
        )
        started = time.monotonic()
        limit = asyncio.timeout(spec.agent_turn_timeout_s)
        try:
            async with limit:
                reply = await self.agent.respond(agent_view(self.transcript), context)
        except TimeoutError as err:
            if not limit.expired():
                return self._fail_agent(err, f"agent failed at turn {turn}")
            self._end(R.timeout, f"agent turn {turn} exceeded agent_turn_timeout_s={spec.agent_turn_timeout_s}")
            return False
        except Exception as err:  # noqa: BLE001 - the agent's failure is the session's result
            return self._fail_agent(err, f"agent failed at turn {turn}")
        await self._record(agent_messages(reply.messages, turn, time.monotonic() - started))
        self._account(reply)
        if self.replay and self.replay.check(turn, reply.messages):
            self.transcript.meta.diverged_at_turn = turn
            await self._emit("diverged", {"turn": turn})
        if reply.end:
            self._end(R.agent_stop, "the agent ended the conversation")
            return False
        return True

    def _account(self, reply: AgentReply) -> None:
        if reply.usage is None:
            self.book.add("agent", _zero(), None, calls=0)  # the agent did not report its spend: unknown
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

    def _fail_agent(self, err: BaseException, prefix: str) -> bool:
        self.transcript.error_traceback = "".join(traceback.format_exception(err))
        reason = R.infrastructure_error if is_infrastructure(err) else R.agent_error
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
        close = getattr(self.agent, "aclose", None)
        if close is not None:
            try:
                await close()
            except Exception:  # noqa: BLE001 - closing is best effort
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
        except Exception:  # noqa: BLE001 - a broken listener must not break the session
            log.warning("on_event(%s) failed", kind, exc_info=True)


def _zero() -> Usage:
    return Usage()
