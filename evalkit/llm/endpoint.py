"""An endpoint = one (provider, base_url): its backend, limiter and learned quirks."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from evalkit.llm.backends.base import Backend
from evalkit.llm.config import HubConfig
from evalkit.llm.limits import EndpointLimiter
from evalkit.llm.mock_rules import RuleSet
from evalkit.llm.types import ErrorKind, ModelError
from evalkit.security import watch_value

PROVIDERS = ("openai", "anthropic", "mock")
_DEFAULT_URLS = {"openai": "https://api.openai.com/v1", "anthropic": "https://api.anthropic.com", "mock": "mock://local"}
_ENV_KEYS = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}
_ENV_URLS = {"openai": "OPENAI_BASE_URL", "anthropic": "ANTHROPIC_BASE_URL"}
NO_KEY = "evalkit-no-key"  # sent to custom base_urls (local servers) that need none


def split_name(name: str) -> tuple[str, str]:
    """`provider:model` -> (provider, model); raises ValueError naming what was expected."""
    provider, sep, model = name.partition(":")
    if not sep or not model:
        raise ValueError(f"model name {name!r}: expected 'provider:model' (e.g. 'openai:gpt-4.1-mini')")
    if provider not in PROVIDERS:
        raise ValueError(f"model name {name!r}: unknown provider {provider!r}; expected one of {', '.join(PROVIDERS)}")
    return provider, model


def resolve_base_url(provider: str, config: HubConfig, override: str | None) -> tuple[str, bool]:
    """The base_url to use and whether it is a custom (non-default) one."""
    url = override or config.base_urls.get(provider) or os.environ.get(_ENV_URLS.get(provider, ""), "")
    return (url.rstrip("/"), True) if url else (_DEFAULT_URLS[provider], False)


@dataclass
class Endpoint:
    provider: str
    base_url: str
    custom_url: bool
    limiter: EndpointLimiter
    text_mode: set[str] = field(default_factory=set)  # models that rejected native structured output
    _backend: Backend | None = None

    def backend(self, config: HubConfig, rules: RuleSet) -> Backend:
        if self._backend is None:
            self._backend = self._make_backend(config, rules)
        return self._backend

    def _make_backend(self, config: HubConfig, rules: RuleSet) -> Backend:
        if self.provider == "mock":
            from evalkit.llm.backends.mock_backend import MockBackend

            return MockBackend(rules)
        key = _api_key(self.provider, config, self.custom_url)
        base_url = self.base_url if self.custom_url else None
        conns, observe = self.limiter.max_connections, self.limiter.observe_response
        if self.provider == "openai":
            from evalkit.llm.backends.openai_backend import OpenAIBackend

            return OpenAIBackend(base_url, key, conns, config.timeout_s, observe)
        from evalkit.llm.backends.anthropic_backend import AnthropicBackend

        return AnthropicBackend(base_url, key, conns, config.timeout_s, config.anthropic_max_tokens, observe)

    async def aclose(self) -> None:
        if self._backend is not None:
            await self._backend.aclose()


def _api_key(provider: str, config: HubConfig, custom_url: bool) -> str:
    secret = config.api_keys.get(provider)
    key = secret.get_secret_value() if secret is not None else os.environ.get(_ENV_KEYS[provider], "")
    if key:
        watch_value(key)  # a key given in HubConfig rather than the environment is redacted all the same
        return key
    if custom_url:
        return NO_KEY
    raise ModelError(ErrorKind.auth, f"no API key for {provider}: set {_ENV_KEYS[provider]} or HubConfig.api_keys", attempts=0)
