"""Endpoints build backends, keys and base URLs from the provider registry (no provider named in endpoint.py)."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from evalkit.llm import HubConfig, ModelError, ModelHub
from evalkit.llm.endpoint import NO_KEY
from evalkit.security import redact

CONFIG_KEY = "cfgonly3b9e1f7a2d"  # no secret-looking shape: only watch_value can hide it


def _context(hub: ModelHub, name: str):
    return hub.model(name)._endpoint._context(hub.config, hub.rules)


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(var, raising=False)


def test_each_builtin_gets_its_own_backend_and_the_sdk_default_url_stays_the_sdks() -> None:
    hub = ModelHub(HubConfig(no_cache=True, api_keys={"openai": SecretStr("k1"), "anthropic": SecretStr("k2")}))
    kinds = {
        name: type(hub.model(f"{name}:m")._endpoint.backend(hub.config, hub.rules)).__name__
        for name in ("openai", "anthropic", "mock")
    }
    assert kinds == {"openai": "OpenAIBackend", "anthropic": "AnthropicBackend", "mock": "MockBackend"}
    assert _context(hub, "openai:m").base_url is None  # api.openai.com: the SDK's own (max_completion_tokens)
    assert _context(hub, "openai:m").api_key == "k1" and _context(hub, "anthropic:m").api_key == "k2"
    custom = ModelHub(HubConfig(no_cache=True, base_urls={"openai": "http://127.0.0.1:9/v1/"}))
    assert (_context(custom, "openai:m").base_url, _context(custom, "openai:m").api_key) == (
        "http://127.0.0.1:9/v1",
        NO_KEY,
    )


@pytest.mark.asyncio
async def test_a_missing_key_names_the_providers_variable_and_mock_needs_none(monkeypatch) -> None:
    async with ModelHub(HubConfig(no_cache=True)) as hub:
        with pytest.raises(ModelError, match=r"no API key for anthropic: set ANTHROPIC_API_KEY or HubConfig.api_keys"):
            _context(hub, "anthropic:claude")
        assert _context(hub, "mock:m").api_key == "" and hub.model("mock:m")._endpoint.local
        monkeypatch.setenv("ANTHROPIC_API_KEY", "from-env")
        assert _context(hub, "anthropic:claude").api_key == "from-env"


def test_a_key_given_in_config_wins_over_the_environment_and_is_redacted(monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-key-not-used")
    hub = ModelHub(HubConfig(no_cache=True, api_keys={"openai": SecretStr(CONFIG_KEY)}))
    assert CONFIG_KEY in redact(f"the key was {CONFIG_KEY}")  # not yet known as a secret
    assert _context(hub, "openai:m").api_key == CONFIG_KEY
    assert CONFIG_KEY not in redact(f"the key was {CONFIG_KEY}")


def test_local_providers_are_never_cached_nor_listed_as_endpoints(tmp_path) -> None:
    hub = ModelHub(HubConfig(cache_dir=tmp_path, api_keys={"openai": SecretStr("k")}))
    hub.model("mock:m"), hub.model("openai:m")
    assert (hub.caches("judge", "mock"), hub.caches("judge", "openai")) == (False, True)
    assert [e["provider"] for e in hub.limits_snapshot()] == ["openai"]
    hub.close()
