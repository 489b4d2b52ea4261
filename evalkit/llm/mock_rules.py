"""Scriptable model behaviour shared by the `mock:` provider and FakeLLMServer.

A rule matches a request (role, model glob, regex over the last message or the
system prompt, structured or not) and answers with text, tool calls, JSON, a
sequence of replies, or a handler. When no rule matches, the reply is a
deterministic echo: ``[no rule matched] <last message>``.
"""

from __future__ import annotations

import fnmatch
import importlib
import json
import re
import threading
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from evalkit.llm.request import LLMRequest
from evalkit.llm.types import ToolCall, Usage

NO_MATCH_PREFIX = "[no rule matched] "


class ReplyToolCall(BaseModel):
    """A tool call in a scripted reply; the id is generated when omitted."""

    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    id: str | None = None


class Reply(BaseModel):
    """What a scripted model answers. `json` is sent as the text (or forced tool input)."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    text: str = ""
    tool_calls: list[ReplyToolCall] = Field(default_factory=list)
    json_data: Any = Field(default=None, alias="json")
    finish_reason: str | None = None
    usage: Usage | None = None
    # Emitted token -> {candidate: logprob}. Logprobs are returned only when this is set ({} = every token
    # certain); unscripted replies behave like servers that ignore the logprobs parameter.
    top_logprobs: dict[str, dict[str, float]] | None = None

    def body_text(self) -> str:
        """The assistant text: JSON replies are serialised compactly."""
        if self.json_data is not None:
            return json.dumps(self.json_data)
        return self.text

    def resolved_tool_calls(self, request: LLMRequest) -> list[ToolCall]:
        """Tool calls with deterministic ids, unique within one conversation."""
        base = len(request.messages)
        return [
            ToolCall(id=c.id or f"call_{base}_{i}", name=c.name, arguments=c.arguments)
            for i, c in enumerate(self.tool_calls)
        ]


Handler = Callable[[LLMRequest], "Reply | str | dict[str, Any]"]


class Rule(BaseModel):
    """Match a request, then reply. All given conditions must hold.

    `replies` is consumed in order, then its last entry repeats; `times` caps
    how often the rule may fire (after that it no longer matches).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, populate_by_name=True, extra="forbid")

    name: str | None = None
    role: str | None = None
    model: str | None = None  # glob over the bare model name, e.g. "gpt-4.1*"
    match: str | None = None  # regex searched in the last message content
    system: str | None = None  # regex searched in the system prompt
    structured: bool | None = None  # only requests with (True) / without (False) an output schema
    text: str | None = None
    tool_calls: list[ReplyToolCall] | None = None
    json_data: Any = Field(default=None, alias="json")
    finish_reason: str | None = None
    top_logprobs: dict[str, dict[str, float]] | None = None  # see Reply.top_logprobs
    replies: list[Reply] | None = None
    handler: Callable[..., Any] | str | None = None  # callable or "module:function"
    times: int | None = Field(default=None, ge=1)

    _uses: int = PrivateAttr(default=0)
    _match_re: re.Pattern[str] | None = PrivateAttr(default=None)
    _system_re: re.Pattern[str] | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _compile(self) -> Rule:
        self._match_re = re.compile(self.match, re.S) if self.match else None
        self._system_re = re.compile(self.system, re.S) if self.system else None
        answers = [self.text is not None, self.tool_calls is not None, self.json_data is not None]
        if self.replies is None and self.handler is None and not any(answers):
            raise ValueError("a rule needs one of text, tool_calls, json, replies or handler")
        if isinstance(self.handler, str) and ":" not in self.handler:
            raise ValueError(f"handler {self.handler!r} must look like 'module:function'")
        return self

    def matches(self, request: LLMRequest) -> bool:
        if self.times is not None and self._uses >= self.times:
            return False
        if self.role is not None and self.role != request.role:
            return False
        if self.model is not None and not fnmatch.fnmatchcase(request.model, self.model):
            return False
        if self.structured is not None and self.structured != (request.output_schema is not None):
            return False
        if self._match_re is not None and not self._match_re.search(request.last_message):
            return False
        return self._system_re is None or bool(self._system_re.search(request.system))

    def respond(self, request: LLMRequest) -> Reply:
        """Produce the reply for a matched request and count the use."""
        use = self._uses
        self._uses += 1
        if self.handler is not None:
            return coerce_reply(_resolve_handler(self.handler)(request))
        if self.replies:
            return self.replies[min(use, len(self.replies) - 1)]
        return Reply(
            text=self.text or "",
            tool_calls=self.tool_calls or [],
            json_data=self.json_data,
            finish_reason=self.finish_reason,
            top_logprobs=self.top_logprobs,
        )


def coerce_reply(value: Any) -> Reply:
    """Handlers may return a Reply, plain text, or a dict shaped like a Reply."""
    if isinstance(value, Reply):
        return value
    if isinstance(value, str):
        return Reply(text=value)
    if isinstance(value, dict):
        return Reply.model_validate(value)
    raise TypeError(f"a rule handler returned {type(value).__name__}; expected Reply, str or dict")


def _resolve_handler(handler: Callable[..., Any] | str) -> Callable[..., Any]:
    if callable(handler):
        return handler
    module_name, _, attr = handler.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def estimate_input_tokens(request: LLMRequest) -> int:
    """About four characters per token: what the fake server charges, and what the pacer expects a request to cost."""
    return sum(len(m.content) // 4 + 4 for m in request.messages) + sum(len(t.name) + 8 for t in request.tools)


def estimate_usage(request: LLMRequest, text: str, calls: list[ToolCall]) -> Usage:
    """Deterministic token counts for scripted replies (about four characters per token)."""
    prompt = estimate_input_tokens(request)
    output = len(text) // 4 + 1 + sum(len(json.dumps(c.arguments)) // 4 + 4 for c in calls)
    return Usage(input_tokens=prompt, output_tokens=output)


def echo_reply(request: LLMRequest) -> Reply:
    """The documented default when nothing matches: deterministic and obviously fake."""
    return Reply(text=NO_MATCH_PREFIX + request.last_message[:500])


class RuleSet:
    """An ordered, thread-safe list of rules; the first match wins."""

    def __init__(self, rules: list[Rule] | None = None) -> None:
        self._rules: list[Rule] = list(rules or [])
        self._lock = threading.Lock()

    @property
    def rules(self) -> list[Rule]:
        return list(self._rules)

    def add(self, rule: Rule | None = None, /, **fields: Any) -> Rule:
        """Append a rule (object or keyword fields) and return it."""
        rule = rule if rule is not None else Rule(**fields)
        with self._lock:
            self._rules.append(rule)
        return rule

    def extend(self, rules: list[Rule]) -> None:
        with self._lock:
            self._rules.extend(rules)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def respond(self, request: LLMRequest) -> Reply:
        """The reply of the first matching rule, or the echo default."""
        with self._lock:
            rule = next((r for r in self._rules if r.matches(request)), None)
            if rule is None:
                return echo_reply(request)
            if rule.handler is None:
                return rule.respond(request)
            rule._uses += 1
        # Handlers run outside the lock: they may be slow or add rules themselves.
        return coerce_reply(_resolve_handler(rule.handler)(request))
