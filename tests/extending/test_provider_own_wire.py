"""A provider with a wire protocol of its own brings a backend and a wire adapter; the fake server then serves it
(routes, faults, recording of requests) and offline mode points it there, exactly like the built-ins."""

from __future__ import annotations

import os
from typing import Any

import pytest
from provider_helpers import scratch_registry

from evalkit.llm import HubConfig, LLMRequest, Message, ModelError, ModelHub, ModelResponse, Usage
from evalkit.llm.backends.base import httpx
from evalkit.llm.errors import ClassifiedError, kind_for_status, retry_after_s
from evalkit.llm.providers import PROVIDERS, BackendContext, add_provider, entry_problems
from evalkit.plugin.offline import OfflineEndpoint
from evalkit.testing import FakeLLMServer, Fault, Rule
from evalkit.testing.http_server import HttpResponse
from evalkit.testing.wire_out import Answer
from evalkit.testing.wires import WireAdapter


# ---- the "echo" wire: POST {base}/generate {"model", "prompt"} -> {"output", "tokens": {"in", "out"}} ----------
def _parse(body: dict[str, Any], role: str) -> LLMRequest:
    return LLMRequest(
        "echo", str(body.get("model", "")), [Message(role="user", content=body.get("prompt", ""))], role=role
    )


def _render(request: LLMRequest, answer: Answer, seq: int, body: dict[str, Any]) -> HttpResponse:
    tokens = {"in": answer.usage.input_tokens, "out": answer.usage.output_tokens}
    return HttpResponse.json(200, {"id": f"echo-{seq}", "output": answer.text, "tokens": tokens})


ECHO_WIRE = WireAdapter(
    "echo", "/echo/v1/generate", "/echo/v1", _parse, _render, lambda status, message, code=None: {"error": message}
)


class EchoBackend:
    """A client of the echo wire (what a provider's SDK would be); `send` makes one attempt, the hub retries."""

    def __init__(self, ctx: BackendContext) -> None:
        self.url, self.key = f"{ctx.base_url or 'https://echo.example/v1'}/generate", ctx.api_key
        self.client = httpx.AsyncClient(timeout=ctx.config.timeout_s)

    async def send(self, request: LLMRequest, timeout_s: float | None) -> ModelResponse:
        body = {"model": request.model, "prompt": request.last_message}
        reply = await self.client.post(
            self.url, json=body, headers={"authorization": f"Bearer {self.key}", "x-evalkit-role": request.role}
        )
        if reply.status_code != 200:  # one failed attempt, classified; the hub decides whether to retry
            message = reply.json()["error"]
            status = reply.status_code
            raise ClassifiedError(kind_for_status(status, message), message, status, retry_after_s(reply.headers))
        data = reply.json()
        return ModelResponse(
            text=data["output"], usage=Usage(input_tokens=data["tokens"]["in"], output_tokens=data["tokens"]["out"])
        )

    async def aclose(self) -> None:
        await self.client.aclose()


@pytest.fixture
def echo_provider() -> Any:
    with scratch_registry():
        add_provider(
            "echo",
            doc="Echo, a wire of its own",
            default_url="https://echo.example/v1",
            wire="echo",
            key_env="ECHO_API_KEY",
            url_env="ECHO_BASE_URL",
            backend=EchoBackend,
            wire_adapter=f"{__name__}:ECHO_WIRE",
            origin=__name__,
        )
        yield PROVIDERS.get("echo")


@pytest.mark.asyncio
async def test_a_provider_with_its_own_wire_is_served_by_the_fake_server(echo_provider, hub_for) -> None:
    assert entry_problems(echo_provider) == []
    with FakeLLMServer([Rule(match="ping", text="pong")]) as server:
        assert server.base_url("echo") == server.url + "/echo/v1"
        server.inject(Fault.server_error)  # the adapter's error body, retried by the hub like any provider's
        hub = hub_for(server)
        reply = await hub.model("echo:tiny").generate([Message(role="user", content="ping")])
        assert (reply.text, reply.model, reply.attempts) == ("pong", "echo:tiny", 2)
        assert [(r.path, r.provider, r.model) for r in server.requests] == [("/echo/v1/generate", "echo", "tiny")] * 2
    with FakeLLMServer([Rule(text="x")], api_key="right") as server:  # the adapter renders the 401 too
        async with ModelHub(HubConfig(base_urls={"echo": server.base_url("echo")}, max_retries=0)) as hub:
            with pytest.raises(ModelError, match=r"^auth: invalid api key"):
                await hub.model("echo:tiny").generate([Message(role="user", content="hi")])


def test_offline_mode_points_a_new_wire_at_the_fake_server(echo_provider, monkeypatch) -> None:
    monkeypatch.delenv("ECHO_BASE_URL", raising=False)
    endpoint = OfflineEndpoint([])
    try:
        assert endpoint.base_urls["echo"] == os.environ["ECHO_BASE_URL"] == endpoint.server.url + "/echo/v1"
    finally:
        endpoint.close()
    assert "ECHO_BASE_URL" not in os.environ
