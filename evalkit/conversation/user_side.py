"""Where the next user turn comes from: frozen replay first, then the scenario's script, then the simulator."""

from __future__ import annotations

import time

from pydantic import BaseModel, Field

from evalkit.conversation.frozen import FrozenReplay
from evalkit.conversation.session_spec import SessionSpec
from evalkit.conversation.simulator import Guardrails, SimulatorFailure, UserSimulator, render_prompt
from evalkit.conversation.simulator.prompt import template_paths
from evalkit.conversation.transcript import GuardrailFlag, TerminationReason, TranscriptMessage
from evalkit.conversation.usage import UsageBook
from evalkit.llm.source import ModelSource
from evalkit.llm.types import CallTag
from evalkit.spec.models import UserTurn


class UserTurnOutcome(BaseModel):
    """One user turn: what was said (None = nothing), whether the user ends, and how it came about."""

    text: str | None = None
    end_reason: str | None = None
    flags: list[GuardrailFlag] = Field(default_factory=list)
    scripted: bool = False
    replayed: bool = False
    latency_s: float | None = None
    stop: TerminationReason | None = None  # the user side could not go on (failure, no simulator)
    stop_detail: str = ""


def build_script(spec: SessionSpec) -> list[str | None]:
    """Scripted user turns in order: the opening, then `turns` (None = simulate that turn)."""
    scenario = spec.scenario
    script: list[str | None] = [scenario.opening] if scenario.opening else []
    script += [t.user if isinstance(t, UserTurn) else None for t in scenario.turns]
    return script


class UserSide:
    """Produces user turns for one session; the simulator model is only built when first needed."""

    def __init__(self, spec: SessionSpec, hub: ModelSource, guardrails: Guardrails, book: UsageBook) -> None:
        self.spec, self.hub, self.guardrails, self.book = spec, hub, guardrails, book
        self.script = build_script(spec)
        self.replay = FrozenReplay(spec.frozen_from, spec.frozen_similarity) if spec.frozen_from else None
        self._simulator: UserSimulator | None = None

    async def next(self, turn: int, history: list[TranscriptMessage]) -> UserTurnOutcome:
        replayed = self.replay.user_turn(turn) if self.replay else None
        if replayed is not None:
            check = not replayed.scripted and replayed.text
            flags = self.guardrails.check_text(replayed.text or "", turn) if check else []
            return UserTurnOutcome(
                text=replayed.text,
                end_reason=replayed.end_reason,
                flags=flags,
                scripted=replayed.scripted,
                replayed=True,
            )
        in_script = turn <= len(self.script)
        if in_script and self.script[turn - 1] is not None:
            return UserTurnOutcome(text=self.script[turn - 1], scripted=True)
        if not self.spec.simulator.model:
            if self.script and not in_script:
                return UserTurnOutcome(
                    stop=TerminationReason.user_stop,
                    stop_detail="scripted turns finished and no simulator model is configured",
                )
            return UserTurnOutcome(
                stop=TerminationReason.simulator_error,
                stop_detail="a simulated turn is needed but simulator.model is not set",
            )
        return await self._simulate(turn, history)

    async def _simulate(self, turn: int, history: list[TranscriptMessage]) -> UserTurnOutcome:
        started = time.monotonic()
        try:
            parsed, flags = await self._get_simulator().next_turn(history, turn)
        except SimulatorFailure as failure:
            return UserTurnOutcome(
                flags=failure.flags, stop=TerminationReason(failure.termination), stop_detail=failure.detail
            )
        return UserTurnOutcome(
            text=parsed.text, end_reason=parsed.end_reason, flags=flags, latency_s=time.monotonic() - started
        )

    def _get_simulator(self) -> UserSimulator:
        if self._simulator is None:
            spec = self.spec
            try:
                prompt = render_prompt(
                    spec.scenario,
                    seed=spec.seed,
                    min_turns=spec.min_turns,
                    max_turns=spec.max_turns,
                    templates=template_paths(spec.simulator, spec.template_dir),
                )
            except Exception as err:
                detail = f"simulator template failed: {type(err).__name__}: {err}"
                raise SimulatorFailure("simulator_error", detail) from err
            model = spec.simulator.model
            if not model:  # next() ends the session before it asks for a simulated turn without a model
                raise SimulatorFailure("simulator_error", "a simulated turn is needed but simulator.model is not set")
            tag = CallTag(role="simulator", scenario_id=spec.scenario.id, session_id=spec.id)
            self._simulator = UserSimulator(
                self.hub.model(model, base_url=spec.simulator.base_url),
                prompt,
                config=spec.simulator,
                guardrails=self.guardrails,
                seed=spec.seed,
                tag=tag,
                on_response=lambda r: self.book.add_response("simulator", r),
            )
        return self._simulator
