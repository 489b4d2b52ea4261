"""Two runs of the notebook project through pytest: before, then worse on tier-b (NB_WORSE=1)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

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


def _new_run(root: Path, known: set[Path]) -> Path:
    [made] = [p for p in (root / "reports").glob("2*") if p not in known]
    return made


def make_runs(root: Path) -> Runs:
    write_project(root)
    with FakeLLMServer() as server:
        judge_rules(server)
        run_pytest(root, server, root / "before.xml")
        before = _new_run(root, set())
        time.sleep(1.1)  # run ids start with the start second: the second run sorts after the first
        run_pytest(root, server, root / "after.xml", worse=True)
        after = _new_run(root, {before})
    return Runs(root, load_run(before), load_run(after), root / "before.xml", root / "after.xml")
