"""Helpers for conversation tests: a scripted simulator 'model' and spec builders."""

from __future__ import annotations

from typing import Any

from evalkit.conversation import SessionSpec
from evalkit.llm.mock_rules import Reply, ReplyToolCall
from evalkit.llm.request import LLMRequest
from evalkit.spec.models import CallableAgent, Persona, Scenario, SimulatorConfig


class ScriptedUser:
    """A simulator 'model': says its lines in order, then ends via the end_conversation tool.

    `skip` is how many of the user's messages were scripted before the first simulated one
    (1 = the scenario's opening), since the simulator sees those as its own earlier turns.
    """

    def __init__(
        self, lines: list[str], end_reason: str = "goal_met", goodbye: str = "thanks, bye", skip: int = 1
    ) -> None:
        self.lines = lines
        self.end_reason = end_reason
        self.goodbye = goodbye
        self.skip = skip

    def __call__(self, request: LLMRequest) -> Reply:
        spoken = sum(1 for m in request.messages if m.role == "assistant") - self.skip  # the simulator's own turns
        if spoken < len(self.lines):
            return Reply(text=self.lines[spoken])
        return Reply(
            text=self.goodbye,
            tool_calls=[ReplyToolCall(name="end_conversation", arguments={"reason": self.end_reason})],
        )


PERSONA = Persona(id="terse", description="A busy customer.", style="short", variations=["typos", "hurried"])


def scenario(**overrides: Any) -> Scenario:
    values: dict[str, Any] = {
        "id": "refund-1234",
        "persona": PERSONA,
        "goal": "Get a refund for order 1234, a blender that arrived broken.",
        "known": {"order_id": "1234", "email": "ana@example.com"},
        "unknown": ["home address"],
        "opening": "my blender arrived broken",
    }
    values.update(overrides)
    return Scenario(**values)


def spec(agent: Any = "conv_agents:echo", *, sim_model: str | None = "openai:sim", **overrides: Any) -> SessionSpec:
    values: dict[str, Any] = {
        "run_id": "run-1",
        "suite_name": "suite",
        "scenario": overrides.pop("scenario", None) or scenario(),
        "trial": 0,
        "seed": 7,
        "agent": CallableAgent(target=agent) if isinstance(agent, str) else agent,
        "simulator": SimulatorConfig(model=sim_model, **overrides.pop("sim", {})),
        "max_turns": 6,
    }
    values.update(overrides)
    return SessionSpec(**values)


# ---------------------------------------------------------------- a tiny agent service for HttpAgent tests

import json as _json  # noqa: E402
import threading  # noqa: E402
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402


class AgentService:
    """A local HTTP 'agent service': records requests and answers with `answer(body) -> (status, json)`."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.requests: list[dict[str, Any]] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = _json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                service.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status, payload = service.answer(body)
                data = _json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/chat"

    def __enter__(self) -> AgentService:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def tool_agent_handler(request: LLMRequest) -> Reply:
    """A deterministic model brain: lookup, then refund, then confirm (per user turn)."""
    since_user = 0
    for m in reversed(request.messages):
        if m.role == "user":
            break
        since_user += m.role == "tool"
    if since_user == 0:
        return Reply(tool_calls=[ReplyToolCall(name="lookup_order", arguments={"order_id": "1234"})])
    if since_user == 1:
        return Reply(tool_calls=[ReplyToolCall(name="refund_order", arguments={"order_id": "1234"})])
    return Reply(text=f"Refunded order 1234 ({request.last_user_message[:20]}).")
