"""HubModel: the ChatModel that every provider shares; the per-call pipeline lives here.

cache -> (structured mode) -> replay | limiter + retries + backend -> record -> parse / repair -> ledger
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from evalkit.llm.costs import sum_costs
from evalkit.llm.endpoint import Endpoint
from evalkit.llm.endpoint_identity import endpoint_identity
from evalkit.llm.keys import cache_key
from evalkit.llm.mock_rules import estimate_input_tokens
from evalkit.llm.request import LLMRequest, params_of
from evalkit.llm.retry import call_with_retries
from evalkit.llm.structured import json_instruction, parse_output, repair_messages, schema_of
from evalkit.llm.types import (
    ErrorKind,
    GenerateConfig,
    Message,
    ModelError,
    ModelResponse,
    ToolSpec,
    Unparseable,
    Usage,
)

if TYPE_CHECKING:
    from evalkit.llm.cache import ResponseCache
    from evalkit.llm.hub import ModelHub

_DEFAULT_CONFIG = GenerateConfig()


@lru_cache(maxsize=256)
def _schema(model: type[BaseModel]) -> tuple[dict[str, Any], str]:
    return schema_of(model)


def _native_refused(err: ModelError) -> bool:
    """The server rejected native structured output (or, replaying, a text-mode fallback was recorded)."""
    return (err.kind is ErrorKind.bad_request and err.status == 400) or err.kind is ErrorKind.no_recording


class HubModel:
    """A `provider:model` bound to a hub endpoint. Cheap to create; state lives in the hub."""

    def __init__(self, hub: ModelHub, name: str, model: str, endpoint: Endpoint) -> None:
        self.name = name
        self.model = model
        self._hub = hub
        self._endpoint = endpoint
        self._cache_endpoint = endpoint_identity(endpoint.base_url, hub.config.endpoint_ids)

    def __repr__(self) -> str:
        return f"HubModel({self.name!r}, base_url={self._endpoint.base_url!r})"

    async def generate(
        self,
        messages: list[Message],
        *,
        tools: list[ToolSpec] | None = None,
        output_schema: type[BaseModel] | None = None,
        config: GenerateConfig | None = None,
    ) -> ModelResponse | Unparseable:
        cfg = config or _DEFAULT_CONFIG
        schema, schema_name = _schema(output_schema) if output_schema is not None else (None, None)
        request = LLMRequest(
            self._endpoint.provider,
            self.model,
            list(messages),
            list(tools or ()),
            schema,
            schema_name,
            params_of(cfg),
            cfg.tag.role,
        )
        cache = self._hub.cache if self._hub.caches(cfg.tag.role, request.provider) else None
        key = cache_key(request, self._cache_endpoint) if cache is not None else None
        if cache is not None and key is not None:
            hit = self._from_cache(cache, key, output_schema, cfg)
            if hit is not None:
                if self._hub.recorder is not None:  # a cassette holds every exchange of the run, cached or not
                    self._hub.recorder.write(self._wire_request(request), hit)
                return hit
        response = await self._exchange(request, cfg)
        result = response if output_schema is None else await self._structured(request, response, output_schema, cfg)
        if cache is not None and key is not None and isinstance(result, ModelResponse):
            cache.put(key, result, cfg.tag.role)
        return result

    def _from_cache(
        self, cache: ResponseCache, key: str, output_schema: type[BaseModel] | None, cfg: GenerateConfig
    ) -> ModelResponse | None:
        hit = cache.get(key)
        if hit is None:
            return None
        if output_schema is not None:
            hit.parsed, error = parse_output(hit.text, output_schema)
            if error is not None:  # the schema changed shape but not its JSON schema; treat as a miss
                return None
        return self._served_locally(hit, cfg)

    def _served_locally(self, response: ModelResponse, cfg: GenerateConfig) -> ModelResponse:
        """Cache hits and replays spend nothing: zero tokens, zero cost, marked cached."""
        response.cached, response.usage, response.cost_usd, response.latency_s, response.attempts = (
            True,
            Usage(),
            0.0,
            0.0,
            0,
        )
        response.model = self.name
        self._hub.usage.record(self.name, cfg.tag, response.usage, 0.0, cached=True)
        return response

    async def _exchange(self, request: LLMRequest, cfg: GenerateConfig) -> ModelResponse:
        """One logical request; falls back to JSON-in-text when native structured output is refused."""
        wire = self._wire_request(request)
        try:
            return await self._send(wire, cfg)
        except ModelError as err:
            if wire.output_schema is None or not _native_refused(err):
                raise
            refused = err
        try:
            response = await self._send(self._as_text_mode(request), cfg)
        except ModelError as err:
            if err.kind is ErrorKind.no_recording:  # replaying: the native miss explains more
                raise refused from None
            raise
        self._endpoint.text_mode.add(self.model)
        return response

    def _wire_request(self, request: LLMRequest) -> LLMRequest:
        if request.output_schema is None or self._endpoint.local:
            return request
        if self.model in self._endpoint.text_mode or self._hub.structured_mode(self.name) == "text":
            return self._as_text_mode(request)
        return request

    @staticmethod
    def _as_text_mode(request: LLMRequest) -> LLMRequest:
        assert request.output_schema is not None
        messages = [json_instruction(request.output_schema), *request.messages]
        return dataclasses.replace(request, messages=messages, output_schema=None, schema_name=None)

    async def _send(self, wire: LLMRequest, cfg: GenerateConfig) -> ModelResponse:
        hub = self._hub
        if hub.replay is not None:
            return self._served_locally(hub.replay.lookup(wire), cfg)
        backend = self._endpoint.backend(hub.config, hub.rules)
        limiter = self._endpoint.limiter
        cost = limiter.cost(
            estimate_input_tokens(wire)
        )  # known before any token budget is: the first calls need it too
        response, attempts = await call_with_retries(
            lambda: backend.send(wire, cfg.timeout_s), limiter, hub.retry_policy, cost
        )
        limiter.record_usage(response.usage.input_tokens, response.usage.output_tokens)
        response.model, response.attempts = self.name, attempts
        response.cost_usd = hub.prices.cost(self.name, response.usage)
        hub.usage.record(self.name, cfg.tag, response.usage, response.cost_usd)
        if hub.recorder is not None:
            hub.recorder.write(wire, response)
        return response

    async def _structured(
        self, request: LLMRequest, first: ModelResponse, output_schema: type[BaseModel], cfg: GenerateConfig
    ) -> ModelResponse | Unparseable:
        """Validate; on failure make exactly one repair request quoting the error."""
        first.parsed, error = parse_output(first.text, output_schema)
        if error is None:
            return first
        repair = dataclasses.replace(request, messages=request.messages + repair_messages(first.text, error))
        second = await self._exchange(repair, cfg)
        second.usage = first.usage + second.usage
        second.attempts += first.attempts
        second.cost_usd = sum_costs((first.cost_usd, second.cost_usd))
        second.parsed, error = parse_output(second.text, output_schema)
        if error is None:
            return second
        return Unparseable(raw_text=second.text, error=error, response=second)
