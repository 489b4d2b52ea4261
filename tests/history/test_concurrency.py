"""Four processes recording into one fresh database at once (SQLite and PostgreSQL): every run exactly once.

The processes also race the schema creation (the database is empty when they start) and all of them
record one shared run id, as two CI jobs re-recording the same run would.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from history_run_dirs import RunSpec, write_run
from sqlalchemy import create_engine, func, select

from evalkit.history.schema import criterion_scores, run_suites, runs, trials

WORKERS = 4
RUNS_EACH = 5
CHILD = """
import sys, time
from pathlib import Path
from evalkit.history import record_dir

url, go, name, dirs = sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4:]
import evalkit.history.record, evalkit.history.verdict, evalkit.history.store  # everything loaded before the start
Path(f"{go}.{name}.ready").touch()
while not go.exists():
    time.sleep(0.01)
for d in dirs:
    record_dir(url, Path(d))
print("ok", len(dirs))
"""


def test_four_processes_record_every_run_exactly_once(db_url: str, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    shared = write_run(reports, RunSpec("shared", outcomes={"a": ["pass", "fail", "pass"]}))
    mine = [
        [
            write_run(reports, RunSpec(f"w{w}-r{i}", outcomes={"a": ["pass", "fail"], "b": ["pass"]}))
            for i in range(RUNS_EACH)
        ]
        for w in range(WORKERS)
    ]
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, db_url, str(go), f"w{w}", *map(str, [*dirs[:2], shared, *dirs[2:]])],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w, dirs in enumerate(mine)
    ]
    deadline = time.monotonic() + 180
    while len(list(tmp_path.glob("go.*.ready"))) < WORKERS:  # every child imported and waiting at the line
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs), "a child did not get ready"
        time.sleep(0.05)
    go.touch()
    outputs = [p.communicate(timeout=240) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err[-2000:]
        assert out.strip() == f"ok {RUNS_EACH + 1}"

    engine = create_engine(db_url)
    with engine.connect() as conn:
        ids = conn.execute(select(runs.c.run_id)).scalars().all()
        trial_keys = conn.execute(select(trials.c.run_id, trials.c.scenario_id, trials.c.trial)).all()
        n_criteria = conn.execute(select(func.count()).select_from(criterion_scores)).scalar_one()
        n_suites = conn.execute(select(func.count()).select_from(run_suites)).scalar_one()
    engine.dispose()
    expected = {"shared"} | {f"w{w}-r{i}" for w in range(WORKERS) for i in range(RUNS_EACH)}
    assert sorted(ids) == sorted(expected)  # each once
    assert len(trial_keys) == len(set(trial_keys)) == 3 + WORKERS * RUNS_EACH * 3
    assert n_criteria == len(trial_keys) and n_suites == len(expected)
