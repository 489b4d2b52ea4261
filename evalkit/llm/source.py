"""ModelSource: what the layers above `llm` need from the model hub, as a type.

Conversation (the simulator, a model agent), judging and the run engine only ever ask the hub
for a model by name; `ModelHub` is the implementation and a test may pass any object with the
same `model()`. Two more members are read only when present (with `getattr`), so a stand-in
need not have them: `prices` (a `PriceTable`, to price tokens an agent reports itself) and
`limits_snapshot()` (per-endpoint figures for the live view and run.json).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from evalkit.llm.types import ChatModel


@runtime_checkable
class ModelSource(Protocol):
    """Where sessions, judges and runs get their models: `source.model("openai:gpt-4.1-mini")`."""

    def model(self, name: str, *, base_url: str | None = None) -> ChatModel:
        """A model for `provider:model`; `base_url` overrides the configured endpoint."""
        ...


@runtime_checkable
class OwnedModelSource(ModelSource, Protocol):
    """A model source whose owner closes it when the run ends (`run_in_thread`'s `hub_factory`)."""

    async def aclose(self) -> None:
        """Release clients, flush the recorder and the cache."""
        ...
