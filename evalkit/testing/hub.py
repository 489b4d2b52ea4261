"""Point a ModelHub at a FakeLLMServer."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from evalkit.llm.config import HubConfig
from evalkit.testing.server import FakeLLMServer

FAKE_KEY = "sk-fake-evalkit-test-key"


def hub_config_for(server: FakeLLMServer, **overrides: Any) -> HubConfig:
    """HubConfig whose remote providers' endpoints (every registered one) are `server`, with fast retries and a
    private cache dir."""
    from evalkit.llm.providers import remote_providers

    remote = [spec.name for spec in remote_providers()]
    values: dict[str, Any] = {
        "base_urls": {name: server.base_url(name) for name in remote},
        "api_keys": {name: SecretStr(FAKE_KEY) for name in remote},
        "retry_base_s": 0.01,
        "retry_max_s": 2.0,
        "timeout_s": 10.0,
    }
    if "cache_dir" not in overrides:
        values["cache_dir"] = Path(tempfile.mkdtemp(prefix="evalkit-cache-"))
    values.update(overrides)
    return HubConfig(**values)
