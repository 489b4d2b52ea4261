"""Providers: the `provider:` prefixes of model names, one registered module each.

Built-ins: `openai`, `anthropic`, `mock`. Another package adds one through the
`evalkit.providers` entry point group (see docs/providers.md), e.g. an OpenAI-compatible alias:

    add_provider("together", doc="Together AI", wire="openai", default_url="https://api.together.xyz/v1",
                 key_env="TOGETHER_API_KEY", url_env="TOGETHER_BASE_URL")
"""

from evalkit.llm.providers._spec import (
    PROVIDERS,
    BackendContext,
    BackendFactory,
    Provider,
    add_provider,
    entry_problems,
    known_wires,
    missing_parts,
    provider,
    provider_names,
    remote_providers,
    sdk_modules,
)

__all__ = [
    "PROVIDERS",
    "BackendContext",
    "BackendFactory",
    "Provider",
    "add_provider",
    "entry_problems",
    "known_wires",
    "missing_parts",
    "provider",
    "provider_names",
    "remote_providers",
    "sdk_modules",
]
