"""One real run directory (run engine + FakeLLMServer) shared by the label tests, and ways to call the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from label_runs import make_run

from evalkit.cli import main


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


def evalkit(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def trials(run: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run / "trials.jsonl").read_text().splitlines()]


def results(run: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run / "results.jsonl").read_text().splitlines()]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path
