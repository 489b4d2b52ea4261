"""`mock:NAME`: answers in-process from the shared rule engine. No network, deterministic."""

from __future__ import annotations

from evalkit.llm.mock_logprobs import scripted_logprobs
from evalkit.llm.mock_rules import RuleSet, estimate_usage
from evalkit.llm.request import LLMRequest
from evalkit.llm.types import ModelResponse


class MockBackend:
    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules

    async def send(self, request: LLMRequest, timeout_s: float | None) -> ModelResponse:
        reply = self.rules.respond(request)
        text = reply.body_text()
        calls = reply.resolved_tool_calls(request)
        usage = reply.usage or estimate_usage(request, text, calls)
        return ModelResponse(
            text=text,
            tool_calls=calls,
            finish_reason=reply.finish_reason or ("tool_calls" if calls else "stop"),
            usage=usage,
            request_id=f"mock-{len(request.messages)}",
            logprobs=scripted_logprobs(text, reply.top_logprobs, request.params.get("top_logprobs"))
            if request.params.get("logprobs") and reply.top_logprobs is not None
            else None,
        )

    async def aclose(self) -> None:
        return None
