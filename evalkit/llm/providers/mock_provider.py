"""`mock:` - answers in-process from the hub's rules; the same rules FakeLLMServer serves over HTTP."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evalkit.llm.providers._spec import BackendContext, add_provider

if TYPE_CHECKING:
    from evalkit.llm.backends.base import Backend


def mock_backend(ctx: BackendContext) -> Backend:
    from evalkit.llm.backends.mock_backend import MockBackend

    return MockBackend(ctx.rules)


add_provider(
    "mock",
    doc="In-process scripted replies from mock rules (free; no key, no network)",
    default_url="mock://local",
    wire="mock",
    backend=mock_backend,
    local=True,
    origin=__name__,
)
