"""HTTP agent: POST the conversation to a running agent service and read its reply.

The body is a jinja2 template (sandboxed, strict) rendering JSON, with variables
`messages` (OpenAI chat-format dicts, as a Python agent receives them), `last_user_message`, `session_id`,
`scenario_id`, `trial`, `seed`, `turn` and `model`; without a template the body is
`{"messages": ..., "session_id": ..., "model": ...}`. The reply is read from the
response JSON by a dotted path (`choices.0.message.content`); a string becomes the
assistant message, anything else goes through `normalise_reply`. Header values may
use `${ENV_VAR}`; they are never logged or put into an error message. A failing
service (connection error, HTTP >= 400, bad JSON) is the agent failing: agent_error.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import httpx2 as httpx  # the SDKs' HTTP client, a declared dependency (pyproject: httpx2>=2.0)
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from evalkit.conversation.agents.base import Agent, AgentContext, AgentReply, AgentSetupError
from evalkit.conversation.agents.messages import to_chat_dicts
from evalkit.conversation.agents.normalise import normalise_reply
from evalkit.conversation.agents.registry import BuildRequest, register_agent
from evalkit.llm.types import Message
from evalkit.security import watch_env
from evalkit.spec.models import HttpAgent

_ENV = re.compile(r"\$\{(\w+)\}")


class HttpAgentError(Exception):
    """The agent service did not answer usably."""


class HttpAgentAdapter:
    """An `Agent` that talks to a service over HTTP; one client per session."""

    def __init__(self, config: HttpAgent, model: str | None = None) -> None:
        self.config = config
        self.model = model
        self._headers = expand_headers(config.headers)
        self._url = _expand(config.url, "url")
        self._template = _compile(config.body_template) if config.body_template else None
        self._client = httpx.AsyncClient(timeout=config.timeout_s)

    async def respond(self, messages: list[Message], context: AgentContext) -> AgentReply:
        body = self._body(messages, context)
        try:
            response = await self._client.post(self._url, json=body, headers=self._headers)
        except httpx.HTTPError as err:
            raise HttpAgentError(f"POST {self._url} failed: {type(err).__name__}: {err}") from None
        if response.status_code >= 400:
            raise HttpAgentError(f"POST {self._url} returned HTTP {response.status_code}: {response.text[:200]}")
        try:
            data = response.json()
        except ValueError:
            raise HttpAgentError(f"POST {self._url} returned non-JSON: {response.text[:200]!r}") from None
        value = extract_path(data, self.config.reply_path)
        return normalise_reply(value)

    async def aclose(self) -> None:
        await self._client.aclose()

    def _body(self, messages: list[Message], context: AgentContext) -> Any:
        dumped = to_chat_dicts(messages)  # the same OpenAI chat format a Python agent receives
        if self._template is None:
            return {"messages": dumped, "session_id": context.session_id, "model": self.model}
        last_user = next((m.content for m in reversed(messages) if m.role == "user"), "")
        variables = {
            "messages": dumped,
            "last_user_message": last_user,
            "session_id": context.session_id,
            "scenario_id": context.scenario_id,
            "trial": context.trial,
            "seed": context.seed,
            "turn": context.turn,
            "model": self.model,
        }
        try:
            text = self._template.render(**variables)
        except TemplateError as err:
            raise AgentSetupError(f"http agent body_template failed to render: {err}") from None
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            raise AgentSetupError(f"http agent body_template did not render JSON ({err}): {text[:200]!r}") from None


def extract_path(data: Any, path: str) -> Any:
    """Follow a dotted path (`a.b.0.c`) through dicts and lists; raises HttpAgentError naming the step."""
    node = data
    for step in [s for s in path.split(".") if s]:
        if isinstance(node, list) and step.lstrip("-").isdigit() and -len(node) <= int(step) < len(node):
            node = node[int(step)]
        elif isinstance(node, dict) and step in node:
            node = node[step]
        else:
            raise HttpAgentError(f"reply_path '{path}': no '{step}' in the response ({type(node).__name__})")
    return node


def expand_headers(headers: dict[str, str]) -> dict[str, str]:
    """Expand `${VAR}` in header values; a missing variable is named, the value never shown."""
    return {name: _expand(value, f"header '{name}'") for name, value in headers.items()}


def _expand(value: str, where: str) -> str:
    def sub(match: re.Match[str]) -> str:
        var = match.group(1)
        watch_env(var)  # its value is now in the URL or a header: redacted wherever it is written
        if var not in os.environ:
            raise AgentSetupError(f"http agent {where} uses ${{{var}}}, which is not set in the environment")
        return os.environ[var]

    return _ENV.sub(sub, value)


def _compile(source: str) -> Any:
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
    try:
        return env.from_string(source)
    except TemplateError as err:
        raise AgentSetupError(f"http agent body_template is not valid jinja2: {err}") from None


@register_agent(
    "http",
    doc="POST the conversation to a running agent service (body from a jinja2 template) "
    "and read the reply by a dotted path.",
    spec=HttpAgent,
)
async def build_http_agent(config: HttpAgent, request: BuildRequest) -> Agent:
    return HttpAgentAdapter(config, model=request.model)
