"""The provider registry: every provider carries every part, incomplete ones are refused, unknown names get a hint."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from provider_helpers import scratch_registry

from evalkit.conversation.recording import is_infrastructure
from evalkit.llm.endpoint import split_name
from evalkit.llm.providers import PROVIDERS, Provider, add_provider, entry_problems, provider_names
from evalkit.llm.providers.openai_provider import openai_backend
from evalkit.registry import Entry, RegistryError
from evalkit.testing.wires import OPENAI, WireAdapter

NO_PARSE = WireAdapter("broken", "/broken", "", None, OPENAI.render, OPENAI.error_body)  # type: ignore[arg-type]


def test_every_registered_provider_has_every_part() -> None:
    assert provider_names()[:3] == ["openai", "anthropic", "mock"]
    for entry in PROVIDERS:
        assert entry_problems(entry) == [], entry.name
        spec = entry.value
        if not spec.local:  # what offline mode and the fake server need to reach it
            assert spec.adapter().route.startswith("/") and spec.key_env and spec.url_env


@pytest.mark.parametrize(
    ("parts", "missing"),
    [
        ({"wire": "gemini"}, "missing key_env, url_env, backend, wire_adapter"),  # its own wire: must bring an adapter
        ({"wire": "gemini", "key_env": "G_KEY", "url_env": "G_URL", "backend": openai_backend}, "missing wire_adapter"),
        ({"wire": "openai", "url_env": "G_URL"}, "missing key_env"),  # an alias still needs its own key variable
        ({"wire": "gemini", "local": True}, "missing backend"),
        ({"wire": "gemini-rest", "key_env": "K", "url_env": "U", "wire_adapter": "m:A"}, "missing backend"),
        (
            {"wire": "openai", "key_env": "K", "url_env": "U", "wire_adapter": "no_colon"},
            "wire_adapter: expected 'module:attr', got 'no_colon'",
        ),
    ],
)
def test_a_provider_lacking_a_part_is_refused_at_registration(parts: dict, missing: str) -> None:
    with scratch_registry(), pytest.raises(RegistryError, match=f"^provider 'gemini': {missing}$"):
        add_provider("gemini", doc="Gemini", default_url="https://g.example/v1", **parts)
    assert "gemini" not in PROVIDERS


def test_the_completeness_check_resolves_the_wire_adapter_and_its_owner() -> None:
    """What registration cannot see yet (another package's wire, the adapter module) the registry test catches."""
    orphan = Provider("groq", "https://g.example/v1", "grpc", "GROQ_API_KEY", "GROQ_BASE_URL")
    with scratch_registry():
        assert entry_problems(Entry("groq", orphan, "Groq")) == [
            "wire adapter (provider 'groq' is an alias of wire 'grpc', which no provider defines (known wires: "
            "anthropic, openai))"
        ]
        broken = Provider(
            "broken", "https://b.example", "broken", "B_KEY", "B_URL", openai_backend, f"{__name__}:NO_PARSE"
        )
        assert entry_problems(Entry("broken", broken, "Broken")) == ["wire adapter parse"]
        assert entry_problems(Entry("broken", broken, " ")) == ["doc", "wire adapter parse"]


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("antropic:claude-haiku-4-5", "; did you mean 'anthropic'?"),
        ("openia:gpt-4.1", "; did you mean 'openai'?"),
        ("zzz:model", ""),
    ],
)
def test_an_unknown_provider_is_one_line_naming_the_known_ones_and_the_nearest(name: str, hint: str) -> None:
    with pytest.raises(ValueError) as err:
        split_name(name)
    provider = name.partition(":")[0]
    assert str(err.value) == (
        f"model name {name!r}: unknown provider {provider!r}; expected one of openai, anthropic, mock{hint}"
    )


def test_naming_providers_and_models_imports_no_sdk() -> None:
    """`evalkit --help` / validate stay light: the registry's modules import their SDK only to build a backend."""
    code = (
        "import sys\nfrom evalkit.llm.providers import PROVIDERS, provider_names\n"
        "from evalkit.llm.hub import ModelHub\nfrom evalkit.llm.providers.docs import providers_table\n"
        "provider_names(); providers_table(); [ModelHub().model(n + ':m') for n in ('openai', 'anthropic', 'mock')]\n"
        "print(sorted(m for m in ('openai', 'anthropic') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "[]", out.stderr


def test_an_installed_providers_sdk_errors_count_as_its_endpoints_failure_not_the_agents(
    tmp_path: Path, monkeypatch
) -> None:
    """An SDK-based agent whose provider SDK raises a 503 met an infrastructure error once the provider is installed."""
    (tmp_path / "fakesdk.py").write_text("class APIStatusError(Exception):\n    status_code = 503\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "fakesdk", raising=False)
    error = importlib.import_module("fakesdk").APIStatusError("overloaded")
    assert not is_infrastructure(error)  # an unknown package's exception is the agent's own
    with scratch_registry():
        add_provider(
            "fake",
            doc="Fake SDK",
            default_url="https://f.example",
            wire="openai",
            key_env="F_KEY",
            url_env="F_URL",
            sdk_modules=("fakesdk",),
        )
        assert is_infrastructure(error)
    sys.modules.pop("fakesdk", None)
