"""Fixtures for the spec tests: the repository root and a throwaway project copy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the example rubrics, personas and suites in a fresh project directory."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'scratch'\n")
    for name in ("rubrics", "personas", "suites", "schemas"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copytree(
        ROOT / "evalkit" / "demo" / "project" / "suites", tmp_path / "suites", dirs_exist_ok=True
    )  # the demo
    return tmp_path
