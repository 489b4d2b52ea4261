"""One real run directory (run engine + FakeLLMServer) shared by the label tests, copied per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from label_runs import make_run


@pytest.fixture(scope="session")
def _built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("label-project")
    return root, make_run(root)


@pytest.fixture
def project(_built: tuple[Path, Path], tmp_path: Path) -> Path:
    """A private copy of the project and its run (tests write labels into it)."""
    copy = tmp_path / "project"
    shutil.copytree(_built[0], copy)
    return copy


@pytest.fixture
def run_dir(project: Path) -> Path:
    return next((project / "reports").glob("2*"))
