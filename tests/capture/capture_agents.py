"""SDK agents written as outside users write them: real clients, tools run in-process, nothing reported.

Importable as `capture_agents:<name>` (tests/capture is on sys.path). Each factory declares
`base_url`, so evalkit hands it the session's capture-proxy prefix; `api_key` is whatever the test
passes (a canary that must reach the upstream and never a file). `report` makes the agent report
its tool calls itself: "same" as it made them, "other" a different call (the mismatch case).
"""

from __future__ import annotations

import json
from typing import Any

import anthropic
import openai

ORDERS: dict[str, str] = {}


def refund_order(order_id: str) -> dict[str, str]:
    ORDERS[order_id] = "refunded"
    return {"order_id": order_id, "status": "refunded"}


OPENAI_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "refund_order",
            "description": "Refund an order.",
            "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]},
        },
    }
]
ANTHROPIC_TOOLS = [
    {
        "name": "refund_order",
        "description": "Refund an order.",
        "input_schema": OPENAI_TOOLS[0]["function"]["parameters"],
    }
]


def _said(messages: list[Any]) -> list[dict[str, str]]:
    """user/assistant text turns, from chat dicts or evalkit Message models alike."""
    out = []
    for m in messages:
        role, content = (m.get("role"), m.get("content")) if isinstance(m, dict) else (m.role, m.content)
        if role in ("user", "assistant") and content:
            out.append({"role": role, "content": content})
    return out


def _reported(calls: list[tuple[str, str, dict[str, Any]]], report: str) -> list[dict[str, Any]]:
    if report == "other":
        calls = [(cid, "cancel_order", {"order_id": "9999"}) for cid, _, _ in calls]
    return [
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"id": cid, "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}
                for cid, name, args in calls
            ],
        }
    ] + [{"role": "tool", "tool_call_id": cid, "content": json.dumps(refund_order(**args))} for cid, _, args in calls]


class OpenAIAgent:
    def __init__(self, model: str, base_url: str | None, api_key: str, stream: bool, report: str) -> None:
        self.client = openai.AsyncOpenAI(base_url=base_url, api_key=api_key, max_retries=0)
        self.model, self.stream, self.report = model, stream, report

    async def respond(self, messages: list[Any]) -> Any:
        history: list[dict[str, Any]] = _said(messages)
        made: list[tuple[str, str, dict[str, Any]]] = []
        for _ in range(4):
            message = await self._ask(history)
            if not message.tool_calls:
                text = message.content or ""
                return [*_reported(made, self.report), {"role": "assistant", "content": text}] if self.report else text
            history.append(message.model_dump(exclude_none=True))
            for call in message.tool_calls:
                args = json.loads(call.function.arguments)
                made.append((call.id, call.function.name, args))
                history.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(refund_order(**args))})
        return "gave up"

    async def _ask(self, history: list[dict[str, Any]]) -> Any:
        if not self.stream:
            answer = await self.client.chat.completions.create(model=self.model, messages=history, tools=OPENAI_TOOLS)
            return answer.choices[0].message
        async with self.client.chat.completions.stream(
            model=self.model, messages=history, tools=OPENAI_TOOLS, stream_options={"include_usage": True}
        ) as stream:
            final = await stream.get_final_completion()
        return final.choices[0].message

    async def aclose(self) -> None:
        await self.client.close()


class AnthropicAgent:
    def __init__(self, model: str, base_url: str | None, api_key: str, stream: bool) -> None:
        self.client = anthropic.AsyncAnthropic(base_url=base_url, api_key=api_key, max_retries=0)
        self.model, self.stream = model, stream

    async def respond(self, messages: list[Any]) -> str:
        history: list[dict[str, Any]] = _said(messages)
        for _ in range(4):
            answer = await self._ask(history)
            uses = [b for b in answer.content if b.type == "tool_use"]
            if not uses:
                return "".join(b.text for b in answer.content if b.type == "text")
            history.append({"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in answer.content]})
            history.append(
                {
                    "role": "user",
                    "content": [
                        {"type": "tool_result", "tool_use_id": u.id, "content": json.dumps(refund_order(**u.input))}
                        for u in uses
                    ],
                }
            )
        return "gave up"

    async def _ask(self, history: list[dict[str, Any]]) -> Any:
        kwargs = {"model": self.model, "max_tokens": 256, "tools": ANTHROPIC_TOOLS, "messages": history}
        if not self.stream:
            return await self.client.messages.create(**kwargs)
        async with self.client.messages.stream(**kwargs) as stream:
            return await stream.get_final_message()

    async def aclose(self) -> None:
        await self.client.close()


RESPONSES_TOOLS = [
    {
        "type": "function",
        "name": "refund_order",
        "description": "Refund an order.",
        "parameters": OPENAI_TOOLS[0]["function"]["parameters"],
    }
]


class ResponsesAgent:
    """The OpenAI Responses API (`client.responses`), as new OpenAI code and the OpenAI Agents SDK call it."""

    def __init__(self, model: str, base_url: str | None, api_key: str, stream: bool) -> None:
        self.client = openai.AsyncOpenAI(base_url=base_url, api_key=api_key, max_retries=0)
        self.model, self.stream = model, stream

    async def respond(self, messages: list[Any]) -> str:
        items: list[dict[str, Any]] = list(_said(messages))
        for _ in range(4):
            response = await self._ask(items)
            calls = [o for o in response.output if o.type == "function_call"]
            if not calls:
                return response.output_text
            for call in calls:
                output = json.dumps(refund_order(**json.loads(call.arguments)))
                items.append(
                    {"type": "function_call", "call_id": call.call_id, "name": call.name, "arguments": call.arguments}
                )
                items.append({"type": "function_call_output", "call_id": call.call_id, "output": output})
        return "gave up"

    async def _ask(self, items: list[dict[str, Any]]) -> Any:
        kwargs = {"model": self.model, "input": items, "tools": RESPONSES_TOOLS}
        if not self.stream:
            return await self.client.responses.create(**kwargs)
        async with self.client.responses.stream(**kwargs) as stream:
            return await stream.get_final_response()

    async def aclose(self) -> None:
        await self.client.close()


def plain_agent(messages: list[Any]) -> str:
    """An agent function (no factory, no client): nothing to capture."""
    return "hello"


def make_openai(
    model: str = "gpt-4.1",
    base_url: str | None = None,
    api_key: str = "sk-test",
    stream: bool = False,
    report: str = "",
) -> OpenAIAgent:
    return OpenAIAgent(model, base_url, api_key, stream, report)


def make_anthropic(
    model: str = "claude-sonnet-4-5", base_url: str | None = None, api_key: str = "sk-ant-test", stream: bool = False
) -> AnthropicAgent:
    return AnthropicAgent(model, base_url, api_key, stream)


def make_openai_responses(
    model: str = "gpt-4.1", base_url: str | None = None, api_key: str = "sk-test", stream: bool = False
) -> ResponsesAgent:
    return ResponsesAgent(model, base_url, api_key, stream)


def make_shared(model: str = "gpt-4.1", base_url: str | None = None, api_key: str = "sk-test") -> OpenAIAgent:
    return OpenAIAgent(model, base_url, api_key, False, "")


def make_opted_out(model: str = "gpt-4.1", base_url: str | None = None, api_key: str = "sk-test") -> OpenAIAgent:
    return OpenAIAgent(model, base_url, api_key, False, "")


for _factory in (make_openai, make_anthropic, make_openai_responses, make_shared, make_opted_out):
    _factory.evalkit_factory = True  # type: ignore[attr-defined]
make_shared.evalkit_shared = True  # type: ignore[attr-defined]
make_opted_out.evalkit_capture = False  # type: ignore[attr-defined]
