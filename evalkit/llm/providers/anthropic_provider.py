"""`anthropic:` - Anthropic messages API (structured output via a forced tool)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evalkit.llm.providers._spec import BackendContext, add_provider

if TYPE_CHECKING:
    from evalkit.llm.backends.base import Backend


def anthropic_backend(ctx: BackendContext) -> Backend:
    """The SDK is imported here, on first use, so naming a provider never imports it."""
    from evalkit.llm.backends.anthropic_backend import AnthropicBackend

    config = ctx.config
    return AnthropicBackend(
        ctx.base_url, ctx.api_key, ctx.max_connections, config.timeout_s, config.anthropic_max_tokens, ctx.observe
    )


add_provider(
    "anthropic",
    doc="Anthropic messages API (structured output via a forced tool)",
    default_url="https://api.anthropic.com",
    wire="anthropic",
    key_env="ANTHROPIC_API_KEY",
    url_env="ANTHROPIC_BASE_URL",
    backend=anthropic_backend,
    wire_adapter="evalkit.testing.wires:ANTHROPIC",
    sdk_modules=("anthropic",),
    origin=__name__,
)
