"""HubConfig: everything that decides how evalkit reaches models, in one object."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from evalkit.llm.mock_rules import Rule

StructuredMode = Literal["native", "text"]


class ModelPrice(BaseModel):
    """USD per million tokens."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)


class HubConfig(BaseModel):
    """Settings for a ModelHub (one per run).

    API keys come from the environment (OPENAI_API_KEY / ANTHROPIC_API_KEY) or
    `api_keys`; they are never written to caches, cassettes or logs.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    base_urls: dict[str, str] = Field(default_factory=dict, description="provider -> base_url")
    api_keys: dict[str, SecretStr] = Field(default_factory=dict, description="provider -> key (else env)")
    max_connections: int = Field(default=32, ge=1, description="concurrent requests per endpoint")
    max_connections_per_provider: dict[str, int] = Field(default_factory=dict)
    rpm: int | None = Field(default=None, ge=1, description="requests per minute per endpoint")
    timeout_s: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=4, ge=0)
    retry_base_s: float = Field(default=0.5, ge=0, description="first backoff ceiling; doubles per attempt")
    retry_max_s: float = Field(default=60.0, ge=0, description="cap on any single wait, Retry-After included")
    cache_dir: Path = Path(".evalkit/cache")
    cache_roles: set[str] = Field(default_factory=lambda: {"judge"})
    no_cache: bool = False
    record_path: Path | None = None
    replay_path: Path | None = None
    price_overrides: dict[str, ModelPrice] = Field(default_factory=dict, description="provider:model -> price")
    mock_rules: list[Rule] | Path | None = None
    structured_mode: dict[str, StructuredMode] = Field(
        default_factory=dict, description="provider or provider:model -> native | text (default native)"
    )
    anthropic_max_tokens: int = Field(default=4096, ge=1, description="Anthropic requires max_tokens")

    def connections_for(self, provider: str) -> int:
        return self.max_connections_per_provider.get(provider, self.max_connections)
