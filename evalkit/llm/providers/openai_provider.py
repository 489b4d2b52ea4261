"""`openai:` - OpenAI chat completions; also the wire every OpenAI-compatible alias borrows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evalkit.llm.providers._spec import BackendContext, add_provider

if TYPE_CHECKING:
    from evalkit.llm.backends.base import Backend


def openai_backend(ctx: BackendContext) -> Backend:
    """The SDK is imported here, on first use, so naming a provider never imports it."""
    from evalkit.llm.backends.openai_backend import OpenAIBackend

    return OpenAIBackend(ctx.base_url, ctx.api_key, ctx.max_connections, ctx.config.timeout_s, ctx.observe)


add_provider(
    "openai",
    doc="OpenAI chat completions (structured output via response_format)",
    default_url="https://api.openai.com/v1",
    wire="openai",
    key_env="OPENAI_API_KEY",
    url_env="OPENAI_BASE_URL",
    backend=openai_backend,
    wire_adapter="evalkit.testing.wires:OPENAI",
    sdk_modules=("openai",),
    origin=__name__,
)
