"""Fixtures for conversation tests: a fake model server and a hub pointed at it."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # makes `conv_agents:...` targets and conv_helpers importable

from evalkit.llm.hub import ModelHub  # noqa: E402
from evalkit.testing import FakeLLMServer, hub_config_for  # noqa: E402


@pytest.fixture
def fake() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as server:
        yield server


@pytest.fixture
def make_hub(tmp_path: Path) -> Iterator[Callable[..., ModelHub]]:
    hubs: list[ModelHub] = []

    def make(server: FakeLLMServer, **overrides: Any) -> ModelHub:
        overrides.setdefault("cache_dir", tmp_path / "cache")
        hub = ModelHub(hub_config_for(server, **overrides))
        hubs.append(hub)
        return hub

    yield make
    for hub in hubs:
        hub.close()
