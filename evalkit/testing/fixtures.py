"""Pytest fixtures: `pytest_plugins = ["evalkit.testing.fixtures"]`.

- `fake_llm`: a started FakeLLMServer (stopped after the test). `@pytest.mark.fake_llm(rpm=600, tpm=50_000,
  rate_window_s=1.0, latency_s=0.05)` passes FakeLLMServer options, e.g. its rate-limit mode.
- `hub_for`: factory `hub_for(server, **HubConfig overrides) -> ModelHub` with its cache under tmp_path.
- `fake_hub`: a ModelHub pointed at `fake_llm` (script the server with `fake_llm.add_rule(...)`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from evalkit.llm.hub import ModelHub
from evalkit.testing.hub import hub_config_for
from evalkit.testing.server import FakeLLMServer


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fake_llm(**options): FakeLLMServer options for the fake_llm fixture (rpm, tpm, ...)"
    )


@pytest.fixture
def fake_llm(request: pytest.FixtureRequest) -> Iterator[FakeLLMServer]:
    marker = request.node.get_closest_marker("fake_llm")
    with FakeLLMServer(**(marker.kwargs if marker else {})) as server:
        yield server


@pytest.fixture
def hub_for(tmp_path: Path) -> Iterator[Callable[..., ModelHub]]:
    hubs: list[ModelHub] = []

    def make(server: FakeLLMServer, **overrides: Any) -> ModelHub:
        overrides.setdefault("cache_dir", tmp_path / "evalkit-cache")
        hub = ModelHub(hub_config_for(server, **overrides))
        hubs.append(hub)
        return hub

    yield make
    for hub in hubs:
        hub.close()


@pytest.fixture
def fake_hub(fake_llm: FakeLLMServer, hub_for: Callable[..., ModelHub]) -> ModelHub:
    return hub_for(fake_llm)
