"""An SDK agent's real trajectory, read from its model traffic by the capture proxy (evalkit.llm.capture).

When is an agent captured? When it is built by a factory (`kind: factory`, or a `callable` target
the factory rule says is one) that declares a `base_url` parameter, is not shared between sessions
(`evalkit_shared`: one client cannot tell sessions apart) and has not opted out
(`evalkit_capture = False`). The factory then receives the session's proxy prefix as `base_url`;
the upstream is the `base_url` it would have received (its params', else its tier's from
`agent_models: [{model, base_url}]`; offline: the fake server), else the run's endpoint for the wire
each call speaks (the tier's provider for its wire, each wire's own provider for the others), so a
factory that was not told its provider still reaches the right endpoint. A factory that is not
captured but takes `base_url` gets its tier's endpoint directly.

Why not OPENAI_BASE_URL / ANTHROPIC_BASE_URL: environment variables are per process, and a run's
sessions share one process, so traffic arriving through them cannot be told apart by session; an
agent reading only those variables is forwarded by them to its endpoint, uncaptured.

Per agent turn, the calls made during it become transcript messages: each model reply that asked
for tools is an assistant message with those tool calls, followed by the tool results the agent sent
in a later request of the same turn (all marked `captured`), then the agent's own visible reply.
An agent that reports its tool calls itself keeps its messages when they agree with the traffic;
when they disagree the traffic wins (checks judge what was done, not what was said) and a
`capture_mismatch` warning flag says what differed. Usage and cost come from the calls.

The run's cassette covers these calls too: `--evalkit-record` writes them beside the judge's and the
simulator's, `--evalkit-replay` answers them from it with no upstream (a replayed call, like every
replay, spends nothing: zero usage and cost).
"""

from __future__ import annotations

import inspect
import json
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from evalkit.conversation.agents.callable import agent_shape, load_target, split_model
from evalkit.conversation.agents.construct import construct
from evalkit.conversation.recording import tool_result
from evalkit.conversation.session_spec import SessionSpec
from evalkit.conversation.transcript import AgentCall, GuardrailFlag, TranscriptMessage
from evalkit.llm.config import HubConfig
from evalkit.llm.endpoint import resolve_base_url
from evalkit.llm.pricing import PriceTable
from evalkit.llm.providers import PROVIDERS, remote_providers
from evalkit.llm.source import ModelSource
from evalkit.llm.types import Message, ToolCall, Usage

if TYPE_CHECKING:  # the proxy imports its HTTP client; sessions without an SDK agent never load it
    from evalkit.llm.capture import CapturedCall, CaptureProxy, CaptureSession


@dataclass
class TurnCapture:
    """What one agent turn did on the wire, ready for the transcript and the usage book."""

    messages: list[TranscriptMessage]
    calls: list[AgentCall] = field(default_factory=list)
    flags: list[GuardrailFlag] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    cost_usd: float | None = 0.0


@dataclass
class Capture:
    """One session's prefix on the run's proxy."""

    proxy: CaptureProxy
    session: CaptureSession
    provider: str  # the tier's provider: its wire's calls are priced as provider:model, others as wire:model
    prices: PriceTable

    def take(self, recorded: list[TranscriptMessage], turn: int) -> TurnCapture:
        """Merge the calls made since the last turn into this turn's recorded messages."""
        calls = self.session.drain()
        messages, flags = merge_turn(recorded, calls, turn)
        summary = [self._summary(call, turn) for call in calls]
        usage = sum((c.usage for c in summary if c.usage), Usage())
        costs = [c.cost_usd for c in summary]
        cost = None if any(c is None for c in costs) else sum(c for c in costs if c is not None)
        return TurnCapture(messages, summary, flags, usage, cost)

    def close(self) -> None:
        self.proxy.close_session(self.session)

    def _summary(self, call: CapturedCall, turn: int) -> AgentCall:
        provider = self.provider if PROVIDERS.get(self.provider).value.wire == call.wire else call.wire
        cost = self.prices.cost(f"{provider}:{call.model}", call.usage) if call.usage and call.model else None
        if (call.usage is None and call.error) or call.replayed:
            cost = 0.0  # a failed call with no usage was not billed; a replayed one was not made
        usage = Usage() if call.replayed else call.usage
        return AgentCall(
            turn=turn,
            model=call.model,
            wire=call.wire,
            stream=call.stream,
            status=call.status,
            tool_calls=len(call.tool_calls),
            usage=usage,
            cost_usd=cost,
            latency_s=call.latency_s,
            error=call.error,
        )


async def open_capture(spec: SessionSpec, hub: ModelSource) -> tuple[dict[str, Any], Capture | None]:
    """The factory's params (with the proxy's `base_url` when captured) and the session's capture, if any."""
    params = dict(spec.agent_params)  # what this session adds; the agent config's own params sit beneath
    given = {**(getattr(spec.agent, "params", None) or {}), **params}
    target = _factory_target(spec)
    if target is None:
        return params, None
    try:
        module = target.partition(":")[0]
        factory = load_target(target) if module in sys.modules else await construct(load_target, target)
    except Exception:  # noqa: BLE001 - building the agent reports a broken target with its own message
        return params, None
    if spec.agent_base_url and "base_url" not in given and _takes_base_url(factory):
        params["base_url"] = given["base_url"] = spec.agent_base_url  # the tier's endpoint, proxied when captured
    if not _capturable(factory, forced=getattr(spec.agent, "kind", "") == "factory"):
        return params, None
    provider = _provider(spec, given)
    try:
        explicit = given.get("base_url")
        by_wire = {} if explicit else _upstreams(provider, hub)
        upstream = str(explicit or by_wire[PROVIDERS.get(provider).value.wire])
    except (ValueError, KeyError):  # an unknown provider: the agent's own calls say so; nothing to forward to
        return params, None
    from evalkit.llm.capture import Tape, loop_proxy  # the proxy's HTTP client loads only for a captured agent

    proxy = await loop_proxy()
    session = proxy.open(upstream, by_wire, Tape(getattr(hub, "replay", None), getattr(hub, "recorder", None)))
    params["base_url"] = session.base_url
    prices = getattr(hub, "prices", None)
    return params, Capture(proxy, session, provider, prices if isinstance(prices, PriceTable) else PriceTable())


def merge_turn(
    recorded: list[TranscriptMessage], calls: list[CapturedCall], turn: int
) -> tuple[list[TranscriptMessage], list[GuardrailFlag]]:
    """This turn's transcript messages and any mismatch flag (rules in the module docstring)."""
    seen = [c for call in calls for c in call.tool_calls]
    reported = [c for m in recorded for c in m.tool_calls]
    if not calls or (not seen and not reported):
        return recorded, []
    if reported and _same(reported, seen):
        return recorded, []
    flags = []
    if reported:
        detail = (
            f"the agent reported {_names(reported)} but its model calls show {_names(seen) or 'no tool calls'}; "
            "the transcript shows the calls seen on the wire"
        )
        flags.append(GuardrailFlag(name="capture_mismatch", turn=turn, detail=detail, action="warn"))
    return trajectory(calls, turn, recorded[0].timestamp if recorded else 0.0) + _visible(recorded, turn), flags


def trajectory(calls: list[CapturedCall], turn: int, timestamp: float) -> list[TranscriptMessage]:
    """Assistant tool-call messages, each followed by the results the agent sent back later in the turn."""
    out: list[TranscriptMessage] = []
    for index, call in enumerate(calls):
        if not call.tool_calls:
            continue
        out.append(
            TranscriptMessage(
                role="assistant",
                content=call.text,
                tool_calls=list(call.tool_calls),
                turn=turn,
                timestamp=timestamp,
                latency_s=call.latency_s,
                captured=True,
            )
        )
        later = {r.call_id: r for c in calls[index + 1 :] for r in reversed(c.tool_results)}
        for tool_call in call.tool_calls:
            result = later.get(tool_call.id)
            if result is None:
                continue  # the agent never sent this result to its model: nothing is made up
            message = Message(role="tool", content=result.output, tool_call_id=tool_call.id, name=tool_call.name)
            structured = tool_result(message)
            if result.is_error and structured.error is None:
                structured = structured.model_copy(update={"error": result.output or "tool error", "output": None})
            out.append(
                TranscriptMessage(
                    role="tool",
                    content=result.output,
                    tool_result=structured,
                    turn=turn,
                    timestamp=timestamp,
                    captured=True,
                )
            )
    return out


def _visible(recorded: list[TranscriptMessage], turn: int) -> list[TranscriptMessage]:
    """The agent's own reply text (its tool messages are replaced by the captured ones); none for a failed turn."""
    if not recorded:
        return []
    said = [m.model_copy(update={"tool_calls": []}) for m in recorded if m.role == "assistant" and m.content]
    if not said:
        said = [TranscriptMessage(role="assistant", content="", turn=turn)]
    said[-1].latency_s = recorded[-1].latency_s if recorded else None
    return said


def _same(a: list[ToolCall], b: list[ToolCall]) -> bool:
    return sorted(map(_call_key, a)) == sorted(map(_call_key, b))


def _call_key(call: ToolCall) -> str:
    return f"{call.name}:{json.dumps(call.arguments, sort_keys=True, default=str)}"


def _names(calls: list[ToolCall]) -> str:
    return ", ".join(f"{c.name}({json.dumps(c.arguments, sort_keys=True, default=str)})" for c in calls)


def _factory_target(spec: SessionSpec) -> str | None:
    kind, target = getattr(spec.agent, "kind", ""), getattr(spec.agent, "target", None)
    return target if kind in ("callable", "factory") and isinstance(target, str) else None


def _capturable(obj: Any, *, forced: bool) -> bool:
    if getattr(obj, "evalkit_capture", True) is False or getattr(obj, "evalkit_shared", False) is True:
        return False
    if not (forced or agent_shape(obj)[0]):
        return False
    return _takes_base_url(obj)


def _takes_base_url(obj: Any) -> bool:
    try:
        return "base_url" in inspect.signature(obj).parameters
    except (TypeError, ValueError):
        return False


def _provider(spec: SessionSpec, params: dict[str, Any]) -> str:
    provider = split_model(spec.agent_model)[0] if spec.agent_model else None
    return provider or str(params.get("provider") or "openai")


def _upstreams(provider: str, hub: ModelSource) -> dict[str, str]:
    """Wire -> where the agent's calls would have gone: the run's endpoint for the tier's provider, and for
    each other wire its owner's (offline: the fake server), so a factory not told its provider still arrives."""
    config = getattr(hub, "config", None)
    config = config if isinstance(config, HubConfig) else HubConfig()
    out = {p.wire: resolve_base_url(p.name, config, None)[0] for p in remote_providers() if p.name == p.wire}
    spec = PROVIDERS.get(provider).value
    if not spec.local:
        out[spec.wire] = resolve_base_url(provider, config, None)[0]
    return out
