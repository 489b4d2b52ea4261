"""An endpoint = one (provider, base_url): its backend, limiter and learned quirks.

Which providers exist, their default URLs, key variables and backends come from the
provider registry (`evalkit.llm.providers`); nothing here names a provider.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field

from evalkit.llm.backends.base import Backend
from evalkit.llm.config import HubConfig
from evalkit.llm.limits import EndpointLimiter
from evalkit.llm.mock_rules import RuleSet
from evalkit.llm.providers import PROVIDERS, BackendContext, Provider, provider_names
from evalkit.llm.types import ErrorKind, ModelError
from evalkit.security import watch_value

NO_KEY = "evalkit-no-key"  # sent to custom base_urls (local servers) that need none


def split_name(name: str) -> tuple[str, str]:
    """`provider:model` -> (provider, model); raises ValueError naming what was expected."""
    provider, sep, model = name.partition(":")
    if not sep or not model:
        raise ValueError(f"model name {name!r}: expected 'provider:model' (e.g. 'openai:gpt-4.1-mini')")
    if provider not in PROVIDERS:
        raise ValueError(f"model name {name!r}: {unknown_provider(provider)}")
    return provider, model


def unknown_provider(provider: str) -> str:
    """`unknown provider 'antropic'; expected one of openai, anthropic, mock; did you mean 'anthropic'?`"""
    known = provider_names()
    close = difflib.get_close_matches(provider, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown provider {provider!r}; expected one of {', '.join(known)}{hint}"


def resolve_base_url(provider: str, config: HubConfig, override: str | None) -> tuple[str, bool]:
    """The base_url to use and whether it is a custom (non-default) one."""
    spec = PROVIDERS.get(provider).value
    url = override or config.base_urls.get(provider) or (os.environ.get(spec.url_env, "") if spec.url_env else "")
    return (url.rstrip("/"), True) if url else (spec.default_url, False)


@dataclass
class Endpoint:
    provider: str
    base_url: str
    custom_url: bool
    limiter: EndpointLimiter
    text_mode: set[str] = field(default_factory=set)  # models that rejected native structured output
    _backend: Backend | None = None

    @property
    def spec(self) -> Provider:
        return PROVIDERS.get(self.provider).value

    @property
    def local(self) -> bool:
        """Answered in-process (`mock:`): free, never cached, no shared budget."""
        return self.spec.local

    def backend(self, config: HubConfig, rules: RuleSet) -> Backend:
        if self._backend is None:
            self._backend = self.spec.make_backend(self._context(config, rules))
        return self._backend

    def _context(self, config: HubConfig, rules: RuleSet) -> BackendContext:
        spec = self.spec
        key = "" if spec.local else _api_key(spec, config, self.custom_url)
        # The wire owner's own default is left to its SDK; an alias's default (or any custom URL) is passed on.
        sdk_default = not self.custom_url and not spec.alias
        return BackendContext(
            self.provider,
            None if sdk_default else self.base_url,
            key,
            self.limiter.max_connections,
            self.limiter.observe_response,
            config,
            rules,
        )

    async def aclose(self) -> None:
        if self._backend is not None:
            await self._backend.aclose()


def _api_key(spec: Provider, config: HubConfig, custom_url: bool) -> str:
    secret = config.api_keys.get(spec.name)
    key = secret.get_secret_value() if secret is not None else os.environ.get(spec.key_env, "")
    if key:
        watch_value(key)  # a key given in HubConfig rather than the environment is redacted all the same
        return key
    if custom_url:
        return NO_KEY
    raise ModelError(
        ErrorKind.auth, f"no API key for {spec.name}: set {spec.key_env} or HubConfig.api_keys", attempts=0
    )
