"""One real offline run shared by the calibration tests, copied per test (tests write labels and records)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from calib_project import make_run


@pytest.fixture(scope="session")
def _built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("calibration-project")
    make_run(root)
    return root


@pytest.fixture
def project(_built: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    shutil.copytree(_built, copy)
    return copy


@pytest.fixture
def run_dir(project: Path) -> Path:
    return next((project / "reports").glob("2*"))
