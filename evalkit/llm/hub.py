"""ModelHub: one per run. Owns endpoints (limits), cache, cassettes, prices and the usage ledger."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from evalkit.llm.budget import Budget, SharedBudgetClient
from evalkit.llm.cache import ResponseCache
from evalkit.llm.cassette import Cassette, CassetteWriter
from evalkit.llm.config import HubConfig, StructuredMode
from evalkit.llm.endpoint import Endpoint, resolve_base_url, split_name
from evalkit.llm.ledger import UsageLedger
from evalkit.llm.limits import EndpointLimiter, terms_for
from evalkit.llm.mock_rules import Rule, RuleSet
from evalkit.llm.model import HubModel
from evalkit.llm.pricing import PriceTable
from evalkit.llm.providers import PROVIDERS
from evalkit.llm.retry import RetryPolicy
from evalkit.llm.rules_file import load_rules


class ModelHub:
    """Entry point to models: `hub.model("openai:gpt-4.1-mini").generate(...)`."""

    def __init__(self, config: HubConfig | None = None, budget_caller: Any = None) -> None:
        """`budget_caller` serves `config.shared_budget` instead of a socket to its address (a Ray actor's caller)."""
        self.config = config or HubConfig()
        self.usage = UsageLedger()
        self.prices = PriceTable(self.config.price_overrides)
        self.retry_policy = RetryPolicy(
            self.config.max_retries, self.config.retry_base_s, self.config.retry_max_s, self.config.rate_limit_wait_s
        )
        self.cache: ResponseCache | None = None if self.config.no_cache else ResponseCache(self.config.cache_dir)
        self.replay: Cassette | None = Cassette(self.config.replay_path) if self.config.replay_path else None
        self.recorder: CassetteWriter | None = (
            CassetteWriter(self.config.record_path) if self.config.record_path else None
        )
        self.rules = RuleSet(_initial_rules(self.config.mock_rules))
        self._endpoints: dict[tuple[str, str], Endpoint] = {}
        self._lock = threading.Lock()
        self._budget_connection: Any = budget_caller

    def model(self, name: str, *, base_url: str | None = None) -> HubModel:
        """A ChatModel for `provider:model` (any registered provider); `base_url` overrides the configured endpoint."""
        provider, model = split_name(name)
        url, custom = resolve_base_url(provider, self.config, base_url)
        with self._lock:
            endpoint = self._endpoints.get((provider, url))
            if endpoint is None:
                limiter = EndpointLimiter(
                    self.config.connections_for(provider),
                    self.config.rpm,
                    self.config.tpm,
                    self.config.adaptive,
                    self._shared_budget(provider, url),
                    self._workers(),
                )
                endpoint = self._endpoints[(provider, url)] = Endpoint(provider, url, custom, limiter)
        return HubModel(self, name, model, endpoint)

    def _workers(self) -> int:
        shared = self.config.shared_budget
        return shared.workers if shared is not None and self.config.shared_limits else 1

    def _shared_budget(self, provider: str, url: str) -> Budget | None:
        """The run's shared budget for this endpoint (pytest-xdist workers), or None: this process decides alone."""
        shared = self.config.shared_budget
        if shared is None or not self.config.shared_limits or PROVIDERS.get(provider).value.local:
            return None
        if self._budget_connection is None:
            from evalkit.llm.budget_service import BudgetConnection

            self._budget_connection = BudgetConnection(shared.address, shared.token.get_secret_value())
        key = hashlib.sha256(f"{provider} {url}".encode()).hexdigest()[:16]
        return SharedBudgetClient(
            self._budget_connection,
            key,
            terms_for(self.config.rpm, self.config.tpm, self.config.adaptive),
            shared.workers,
        )

    def limits_snapshot(self) -> list[dict[str, Any]]:
        """Per endpoint: current concurrency, in flight, 429 count, tokens/min, announced budget left."""
        with self._lock:
            endpoints = [e for e in self._endpoints.values() if not e.local]
        return [{"provider": e.provider, "base_url": e.base_url, **e.limiter.snapshot()} for e in endpoints]

    def caches(self, role: str, provider: str) -> bool:
        """Whether calls of this role are cached. Never for `mock:` (in-process): it is free, and its rules are not part
        of the key."""
        return self.cache is not None and role in self.config.cache_roles and not PROVIDERS.get(provider).value.local

    def structured_mode(self, name: str) -> StructuredMode:
        modes = self.config.structured_mode
        return modes.get(name) or modes.get(name.partition(":")[0]) or "native"

    async def aclose(self) -> None:
        """Close SDK clients (of the running loop), the cache and the cassette writer."""
        for endpoint in list(self._endpoints.values()):
            await endpoint.aclose()
        self.close()

    def close(self) -> None:
        """Synchronous part of closing: files and database handles."""
        if self.cache is not None:
            self.cache.close()
        if self.recorder is not None:
            self.recorder.close()
        if self._budget_connection is not None:
            self._budget_connection.close()

    async def __aenter__(self) -> ModelHub:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _initial_rules(source: Iterable[Rule] | str | Path | None) -> list[Rule]:
    if source is None:
        return []
    if isinstance(source, (str, Path)):
        return load_rules(source)
    return list(source)
