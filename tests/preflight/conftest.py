"""Preflight tests run pytester projects like the plugin's tests (helpers shared from tests/plugin)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "plugin"))

import anthropic  # noqa: F401 - imported once here: pytester's inline runs drop modules first imported inside
import openai  # noqa: F401
import pytest
from plugin_helpers import Project

from evalkit.plugin.preload import preload_engine

preload_engine()


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake-preflight-tests")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-fake-preflight-tests")
    for var in ("EVALKIT_LIVE", "GITHUB_STEP_SUMMARY", "CI", "GITHUB_ACTIONS"):
        monkeypatch.delenv(var, raising=False)
    return Project(pytester)
