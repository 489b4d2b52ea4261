"""Fixtures for the plugin's acceptance tests (pytester projects; the fake model server is the shared `fake_llm`)."""

from __future__ import annotations

import anthropic  # noqa: F401 - imported once here: pytester's inline runs drop modules first imported inside them
import openai  # noqa: F401
import pytest
from plugin_helpers import Project

from evalkit.plugin.preload import preload_engine

preload_engine()  # imported once here: pytester's inline runs drop modules first imported inside them

# `pytester` is enabled in the top-level tests/conftest.py (pytest only accepts pytest_plugins there).


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake-plugin-tests")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-fake-plugin-tests")
    for var in ("EVALKIT_LIVE", "GITHUB_STEP_SUMMARY", "CI", "GITHUB_ACTIONS"):
        monkeypatch.delenv(var, raising=False)
    return Project(pytester)
