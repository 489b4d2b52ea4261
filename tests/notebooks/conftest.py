"""Two runs of the notebook project (before, then worse on tier-b), made once through pytest for every test here."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from nb_project import judge_rules, run_pytest, write_project

from evalkit.run import LoadedRun, load_run
from evalkit.testing import FakeLLMServer


@dataclass(frozen=True)
class Runs:
    root: Path  # the project (reports/ holds both runs)
    before: LoadedRun
    after: LoadedRun
    junit_before: Path
    junit_after: Path


def _newest_run(root: Path, known: set[Path]) -> Path:
    [made] = [p for p in (root / "reports").glob("2*") if p not in known]
    return made


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    root = write_project(tmp_path_factory.mktemp("notebook-project"))
    with FakeLLMServer() as server:
        judge_rules(server)
        run_pytest(root, server, root / "before.xml")
        before = _newest_run(root, set())
        time.sleep(1.1)  # run ids start with the start second: the second run sorts after the first
        run_pytest(root, server, root / "after.xml", worse=True)
        after = _newest_run(root, {before})
    return Runs(root, load_run(before), load_run(after), root / "before.xml", root / "after.xml")
