"""Wall time of `pytest` on a suite versus the run engine doing the same work directly.

    python bench/plugin_wall.py                  # 50 scenarios x 3 trials, 100 ms fake latency

The plugin must add no serial waits: every selected session starts at once and
items only wait for their own results, so a pytest run should take about the
engine's time for the same sessions, not (sessions x session time). Both runs
use the same synthetic project (bench/synthetic.py), the same fake server
process, the same connection limit and an empty cache each. The last line is
one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import ServerProcess, run_evalkit  # noqa: E402
from synthetic import write_project  # noqa: E402

SESSION_TIME = re.compile(r" in ([0-9.]+)s")


def run_pytest(root: Path, url: str, args: argparse.Namespace) -> dict[str, float]:
    """`pytest suites` in a child process; returns total wall and pytest's own session time."""
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "suites",
        "-q",
        "-p",
        "no:cacheprovider",
        "--evalkit-live",
        f"--evalkit-base-url=openai={url}",
        f"--evalkit-concurrency={args.connections}",
        f"--evalkit-cache-dir={root / 'pytest-cache'}",
        "--evalkit-no-progress",
    ]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    found = SESSION_TIME.findall(proc.stdout.strip().splitlines()[-1]) if proc.stdout.strip() else []
    if not found:
        raise RuntimeError(f"pytest did not finish normally:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    if os.environ.get("EVALKIT_BENCH_DEBUG"):
        print(proc.stdout[-3000:], proc.stderr[-2000:])
    return {"process_wall_s": wall, "session_s": float(found[-1]), "run_span_s": run_span(root / "reports")}


def run_span(reports: Path) -> float:
    """Seconds from `run_started` to `run_ended` in the run pytest wrote (the concurrent phase itself)."""
    [events] = [p / "events.jsonl" for p in reports.iterdir() if p.is_dir() and not p.is_symlink()]
    stamps = {
        e["kind"]: e["ts"] for e in map(json.loads, events.read_text().splitlines()) if e["kind"].startswith("run_")
    }
    return stamps["run_ended"] - stamps["run_started"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", type=int, default=50)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--turns", type=int, default=4)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    args.mock = False
    os.environ["OPENAI_API_KEY"] = "sk-bench-local"  # only ever sent to the local fake server
    with tempfile.TemporaryDirectory(prefix="evalkit-bench-plugin-") as tmp:
        root = Path(tmp)
        (root / "pyproject.toml").write_text("[tool.evalkit]\n")  # marks the project root for the suite loader
        suite_path = write_project(root, args.scenarios, args.trials, args.turns)
        # block-style YAML, so the plugin's cheap "top-level suite: key" check sees it
        suite_path.write_text(yaml.safe_dump(yaml.safe_load(suite_path.read_text()), sort_keys=False))
        server = ServerProcess(args.latency, args.turns)
        try:
            plugin = run_pytest(root, server.url, args)
            engine = run_evalkit(suite_path, root, args, server.url, "engine")
        finally:
            server.close()
    sessions = args.scenarios * args.trials
    result = {
        "sessions": sessions,
        "latency_s": args.latency,
        "connections": args.connections,
        "engine_wall_s": round(engine["wall_s"], 3),
        "pytest_session_s": round(plugin["session_s"], 3),
        "pytest_run_span_s": round(plugin["run_span_s"], 3),
        "pytest_process_wall_s": round(plugin["process_wall_s"], 3),
        "ratio_run_vs_engine": round(plugin["run_span_s"] / engine["wall_s"], 3),
        "ratio_session_vs_engine": round(plugin["session_s"] / engine["wall_s"], 3),
    }
    print(
        f"engine: {engine['wall_s']:.2f} s for {sessions} sessions; pytest: run {plugin['run_span_s']:.2f} s, "
        f"session {plugin['session_s']:.2f} s ({plugin['process_wall_s']:.2f} s with interpreter start and imports)"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
