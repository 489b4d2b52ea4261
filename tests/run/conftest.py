"""Fixtures for run-engine tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from run_helpers import Recorder

from evalkit.run import RunConfig


@pytest.fixture
def config(tmp_path: Path) -> RunConfig:
    return RunConfig(report_dir=tmp_path / "reports", fsync_interval_s=0)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()
