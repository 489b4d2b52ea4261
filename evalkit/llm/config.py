"""HubConfig: everything that decides how evalkit reaches models, in one object."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, create_model, model_validator

from evalkit.limit_options import LIMIT_OPTIONS, check_limits, hub_values
from evalkit.llm.mock_rules import Rule

StructuredMode = Literal["native", "text"]


class ModelPrice(BaseModel):
    """USD per million tokens."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cached_input: float | None = Field(default=None, ge=0)  # cache reads (Usage.cached_input_tokens); else input


STATIC_CONNECTIONS = 32  # the fixed per-endpoint cap when adaptive control is off and max_connections is unset


class AdaptiveConfig(BaseModel):
    """Per-endpoint adaptive concurrency (see docs/scale.md).

    The controller starts at `start` connections, doubles them while the endpoint keeps
    up and they are in use (slow start), then grows by `increase` x limit per clean round
    and multiplies by `decrease` on a rate-limit signal (429, 529, Retry-After), never
    leaving [min, max]. `pace` spreads requests and estimated tokens over the budget the
    provider's rate-limit headers announce, keeping `reserve` of each limit unspent.
    """

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    min: int = Field(default=2, ge=1, description="fewest connections a cut may leave")
    start: int = Field(default=16, ge=1, description="connections before anything is learned")
    max: int = Field(default=256, ge=1, description="most connections growth may reach")
    increase: float = Field(default=0.1, gt=0, le=1, description="additive growth per clean round, x limit")
    decrease: float = Field(default=0.7, gt=0, lt=1, description="multiplicative cut on a rate-limit signal")
    cooldown_s: float = Field(
        default=5.0, ge=0, description="at most one cut per cooldown (longer if Retry-After asks)"
    )
    pace: bool = Field(default=True, description="pace by the providers' x-ratelimit / anthropic-ratelimit headers")
    reserve: float = Field(default=0.05, ge=0, lt=1, description="share of each announced limit left unspent")

    @model_validator(mode="after")
    def _bounds(self) -> AdaptiveConfig:
        if not self.min <= self.start <= self.max:
            raise ValueError(
                f"adaptive: expected min <= start <= max, got min={self.min}, start={self.start}, max={self.max}"
            )
        return self


class SharedBudget(BaseModel):
    """Where the run's shared limit service listens (127.0.0.1, started by the pytest-xdist controller).

    `workers` is how many processes share the limits: before the service answers, and for good if it
    stops answering, each takes 1/workers of every static limit and of the concurrency bounds.
    """

    model_config = ConfigDict(extra="forbid")

    address: str = Field(description="host:port of the budget service")
    token: SecretStr = Field(description="shared secret the service asks for (not a provider key)")
    workers: int = Field(default=1, ge=1)


class _LimitBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    budget: SharedBudget | None = Field(default=None, description="set by the xdist controller, not by users")

    @model_validator(mode="before")
    @classmethod
    def _check(cls, data: Any) -> Any:
        if isinstance(data, dict):
            user = {k: v for k, v in data.items() if k != "budget" and v is not None}
            data = {**data, **check_limits(user)}
        return data

    @model_validator(mode="after")
    def _bounds(self) -> _LimitBase:
        adaptive = self.hub_values().get("adaptive")
        if adaptive:
            AdaptiveConfig(**adaptive)  # min <= start <= max, with the defaults filled in
        return self

    def user_values(self) -> dict[str, Any]:
        """The settings that were set (flat names)."""
        return {o.name: getattr(self, o.name) for o in LIMIT_OPTIONS if getattr(self, o.name) is not None}

    def hub_values(self) -> dict[str, Any]:
        """The set values in HubConfig's shape (`{'rpm': 60, 'adaptive': {'max': 8}}`)."""
        values = hub_values(self.user_values())
        if "adaptive" in values:
            values["adaptive"] = _clamped_bounds(values["adaptive"])
        if self.budget is not None:
            values["shared_budget"] = self.budget
        return values


def _clamped_bounds(adaptive: dict[str, Any]) -> dict[str, Any]:
    """Only `max` (or `min`) set: the unset bounds' defaults move inside it instead of contradicting it."""
    fields = AdaptiveConfig.model_fields
    bound = {k: adaptive.get(k, fields[k].default) for k in ("min", "start", "max")}
    if "start" not in adaptive:
        bound["start"] = max(bound["min"], min(bound["start"], bound["max"]))
    if "min" not in adaptive:
        bound["min"] = min(bound["min"], bound["start"])
    if "max" not in adaptive:
        bound["max"] = max(bound["max"], bound["start"])
    return {**adaptive, **{k: v for k, v in bound.items() if k in adaptive or v != fields[k].default}}


# one field per row of evalkit.limit_options.LIMIT_OPTIONS, all optional (Any: each row's type is a runtime value)
_LIMIT_FIELDS: dict[str, Any] = {
    o.name: (o.kind | None, Field(default=None, description=o.help)) for o in LIMIT_OPTIONS
}
LimitSettings = create_model(
    "LimitSettings",
    __base__=_LimitBase,
    __doc__="Per-endpoint limits a run sets (unset ones keep HubConfig's defaults); see docs/scale.md.",
    **_LIMIT_FIELDS,
)


class HubConfig(BaseModel):
    """Settings for a ModelHub (one per run).

    API keys come from the environment (OPENAI_API_KEY / ANTHROPIC_API_KEY) or
    `api_keys`; they are never written to caches, cassettes or logs.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    base_urls: dict[str, str] = Field(default_factory=dict, description="provider -> base_url")
    endpoint_ids: dict[str, str] = Field(
        default_factory=dict,
        description="base_url -> the name response-cache keys use for it instead (a local "
        "stand-in on an ephemeral port: 'offline:<rules fingerprint>'; see evalkit.llm.endpoint_identity)",
    )
    api_keys: dict[str, SecretStr] = Field(default_factory=dict, description="provider -> key (else env)")
    max_connections: int | None = Field(
        default=None,
        ge=1,
        description="static cap on concurrent requests per endpoint (None: adaptive up to adaptive.max)",
    )
    max_connections_per_provider: dict[str, int] = Field(default_factory=dict)
    rpm: int | None = Field(default=None, ge=1, description="static requests-per-minute cap per endpoint")
    tpm: int | None = Field(default=None, ge=1, description="static (estimated) tokens-per-minute cap per endpoint")
    adaptive: AdaptiveConfig = Field(default_factory=AdaptiveConfig)
    timeout_s: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=4, ge=0)
    retry_base_s: float = Field(default=0.5, ge=0, description="first backoff ceiling; doubles per attempt")
    retry_max_s: float = Field(default=60.0, ge=0, description="cap on any single wait, Retry-After included")
    rate_limit_wait_s: float = Field(
        default=900.0,
        ge=0,
        description="how long one call keeps retrying 429s beyond max_retries (0: 429s count as ordinary retries)",
    )
    cache_dir: Path = Path(".evalkit/cache")
    cache_roles: set[str] = Field(default_factory=lambda: {"judge"})
    cache: bool = Field(
        default=True,
        description="read and write the response cache (`no_cache=True`, the old spelling, is still accepted)",
    )
    record_path: Path | None = None
    replay_path: Path | None = None
    price_overrides: dict[str, ModelPrice] = Field(default_factory=dict, description="provider:model -> price")
    mock_rules: list[Rule] | Path | None = None
    structured_mode: dict[str, StructuredMode] = Field(
        default_factory=dict, description="provider or provider:model -> native | text (default native)"
    )
    anthropic_max_tokens: int = Field(default=4096, ge=1, description="Anthropic requires max_tokens")
    shared_limits: bool = Field(default=True, description="use `shared_budget` when one is given")
    shared_budget: SharedBudget | None = Field(
        default=None, description="the run's shared limit service (pytest-xdist workers); None: this process alone"
    )

    @model_validator(mode="before")
    @classmethod
    def _old_no_cache(cls, data: Any) -> Any:
        """`no_cache=True` is `cache=False`: the option table's one name is `cache` (evalkit.options)."""
        if isinstance(data, dict) and "no_cache" in data:
            data = dict(data)
            data.setdefault("cache", not data.pop("no_cache"))
        return data

    @property
    def no_cache(self) -> bool:
        return not self.cache

    def connections_for(self, provider: str) -> int | None:
        """The static connection cap of a provider's endpoints, or None when only the adaptive bounds apply."""
        return self.max_connections_per_provider.get(provider, self.max_connections)
