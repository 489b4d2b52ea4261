"""Token prices and per-call cost: evalkit/data/prices.yaml, then the project's own (`[tool.evalkit.prices]`,
a prices.yaml next to a suite: see evalkit.spec.prices), then the overrides given in code (HubConfig)."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from evalkit.llm.config import ModelPrice
from evalkit.llm.types import Usage
from evalkit.spec.prices import project_prices
from evalkit.spec.project import find_project_root

_SNAPSHOT = re.compile(r"-(\d{4}-?\d{2}-?\d{2}|latest)$")


@lru_cache(maxsize=1)
def shipped_prices() -> dict[str, ModelPrice]:
    text = resources.files("evalkit").joinpath("data/prices.yaml").read_text(encoding="utf-8")
    return {key: ModelPrice.model_validate(value) for key, value in (yaml.safe_load(text) or {}).items()}


class PriceTable:
    """Look up the price of `provider:model`; None when unknown (never a silent 0)."""

    def __init__(self, overrides: dict[str, ModelPrice] | None = None, root: Path | None = None) -> None:
        own = project_prices(root or find_project_root())
        self._prices = {
            **shipped_prices(),
            **{k: ModelPrice(**v.model_dump()) for k, v in own.items()},
            **(overrides or {}),
        }
        self._memo: dict[str, ModelPrice | None] = {}

    def price(self, name: str) -> ModelPrice | None:
        if name not in self._memo:
            self._memo[name] = self._lookup(name)
        return self._memo[name]

    def _lookup(self, name: str) -> ModelPrice | None:
        provider = name.partition(":")[0]
        for candidate in (name, _SNAPSHOT.sub("", name), f"{provider}:*"):
            if candidate in self._prices:
                return self._prices[candidate]
        return None

    def cost(self, name: str, usage: Usage) -> float | None:
        """USD for `usage`; input tokens read from a prompt cache at the model's `cached_input` price, when it has
        one (else at the input price, as a provider without cache pricing bills them)."""
        price = self.price(name)
        if price is None:
            return None
        cached = min(usage.cached_input_tokens, usage.input_tokens) if price.cached_input is not None else 0
        fresh = usage.input_tokens - cached
        return (
            fresh * price.input + cached * (price.cached_input or 0.0) + usage.output_tokens * price.output
        ) / 1_000_000
