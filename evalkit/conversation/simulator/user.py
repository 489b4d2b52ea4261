"""The user simulator: one model call per user turn, with guardrails and a failure rule.

Failure rule: a ModelError whose kind says the *reply* was unusable (unparseable,
context_length) or two empty replies in a row are `simulator_error` (the simulator
failed at its job); every other ModelError (rate limits, 5xx, timeouts, connection,
auth, missing recording, bad request) is `infrastructure_error` (evalkit could not
reach the simulator model). Neither is blamed on the agent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from evalkit.conversation.simulator import guardrails as g
from evalkit.conversation.simulator.prompt import SimulatorPrompt
from evalkit.conversation.simulator.signals import SimulatorTurn, end_tool, parse_reply
from evalkit.conversation.transcript import GuardrailFlag, TranscriptMessage
from evalkit.conversation.views import simulator_view
from evalkit.llm.types import CallTag, ChatModel, ErrorKind, GenerateConfig, ModelError, ModelResponse
from evalkit.spec.models import SimulatorConfig

SIMULATOR_FAULT_KINDS = {ErrorKind.unparseable, ErrorKind.context_length}


Failure = Literal["simulator_error", "infrastructure_error"]  # whose fault a failed simulator turn is


class SimulatorFailure(Exception):
    """The simulator could not produce a usable turn; `termination` says whose fault."""

    def __init__(
        self,
        termination: Failure,
        detail: str,
        flags: list[GuardrailFlag] | None = None,
    ) -> None:
        super().__init__(detail)
        self.termination = termination
        self.detail = detail
        self.flags = flags or []


class UserSimulator:
    """Plays the scenario's user against the conversation so far."""

    def __init__(
        self,
        model: ChatModel,
        prompt: SimulatorPrompt,
        *,
        config: SimulatorConfig,
        guardrails: g.Guardrails,
        seed: int,
        tag: CallTag,
        no_reply_text: str | None = None,
        on_response: Callable[[ModelResponse], None] = lambda r: None,
    ) -> None:
        self.model = model
        self.prompt = prompt
        self.config = config
        self.guardrails = guardrails
        self.actions = guardrails.actions
        self.seed = seed
        self.tag = tag
        self.no_reply_text = (
            no_reply_text if no_reply_text is not None else prompt.no_reply
        )  # the suite's, or evalkit's
        self.on_response = on_response

    async def next_turn(self, history: list[TranscriptMessage], turn: int) -> tuple[SimulatorTurn, list[GuardrailFlag]]:
        """The user's next message (and end signal), plus guardrail flags; raises SimulatorFailure."""
        messages = simulator_view(history, system_prompt=self.prompt.system, kickoff=self.prompt.kickoff)
        if messages[-1].role == "assistant":  # the agent said nothing visible since the user's last turn
            messages.append(messages[-1].model_copy(update={"role": "user", "content": self.no_reply_text}))
        flags: list[GuardrailFlag] = []
        parsed = await self._ask(messages, turn, attempt=0)
        if self._is_empty(parsed):
            flags.append(
                GuardrailFlag(name="empty_reply", turn=turn, detail="empty reply; retried once", action="warn")
            )
            parsed = await self._ask(messages, turn, attempt=1)
            if self._is_empty(parsed):
                action = self.actions["empty_reply"]
                if action != "off":  # switched off: no flag, but two empty replies are still no turn
                    flags.append(
                        GuardrailFlag(name="empty_reply", turn=turn, detail="empty again after retry", action=action)
                    )
                raise SimulatorFailure(
                    "simulator_error", f"turn {turn}: the simulator returned an empty reply twice", flags
                )
        reply = self.guardrails.check_reply(parsed.text, refusal=parsed.refusal, truncated=parsed.truncated, turn=turn)
        return parsed, flags + reply + self.guardrails.check_text(parsed.text, turn)

    def _is_empty(self, parsed: SimulatorTurn) -> bool:
        """Empty and silent: a refusal is not retried as empty, it is out of character."""
        return (
            self.actions["empty_reply"] != "off"
            and parsed.end_reason is None
            and parsed.refusal is None
            and g.is_empty(parsed.text)
        )

    async def _ask(self, messages: list, turn: int, attempt: int) -> SimulatorTurn:
        config = GenerateConfig(
            temperature=self.config.temperature,
            max_tokens=self.config.max_tokens,
            seed=self.seed,
            sample_index=attempt,
            tag=self.tag,
        )
        try:
            response = await self.model.generate(messages, tools=[end_tool()], config=config)
        except ModelError as err:
            kind: Failure = "simulator_error" if err.kind in SIMULATOR_FAULT_KINDS else "infrastructure_error"
            raise SimulatorFailure(
                kind, f"turn {turn}: simulator model failed after {err.attempts} attempt(s): {err}"
            ) from err
        assert isinstance(response, ModelResponse)  # no output_schema, so never Unparseable
        self.on_response(response)
        return parse_reply(response)
