"""The Ray executor against the in-process run, on a CPU-bound agent.

    python bench/ray_executor.py                    # 30 scenarios x 4 trials, 4 turns, 20 ms CPU per agent turn
    python bench/ray_executor.py --cpu-ms 50 --workers 2

The synthetic suite (bench/synthetic.py) with its agent replaced by bench/cpu_agent.py,
which burns `--cpu-ms` of CPU per turn; simulator and judge are served by the fake server
in its own process with `--latency`. The same run is timed in-process (one event loop:
the agent's CPU is serial) and on a local Ray cluster with `--workers` worker actors.
The ideal speedup is min(workers, cores); the cluster's start is timed apart from the run
(a cluster is started once and serves many runs). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import ServerProcess  # noqa: E402
from synthetic import write_project  # noqa: E402

from evalkit.run import RunConfig, load_run, plan_run, run_in_thread  # noqa: E402
from evalkit.run.executors import ExecutorConfig  # noqa: E402
from evalkit.spec import load_suite  # noqa: E402


def project(root: Path, args: argparse.Namespace) -> Path:
    suite_path = write_project(root, args.scenarios, args.trials, args.turns)
    suite = json.loads(suite_path.read_text())
    suite["agent"] = "cpu_agent:respond"
    suite_path.write_text(json.dumps(suite))
    return suite_path


def timed_run(suite_path: Path, root: Path, url: str, executor: ExecutorConfig) -> dict[str, Any]:
    config = RunConfig(
        report_dir=root / "reports",
        base_urls={"openai": url},
        cache=False,
        fsync_interval_s=1.0,
        run_id=f"bench-{executor.kind}",
        executor=executor,
    )
    items = plan_run([load_suite(suite_path, root=root)], config)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    summary = run_in_thread(items, config).wait()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    trials = load_run(summary.run_dir).trials
    outcomes = {(t["scenario_id"], t["trial"]): (t["outcome"], t["transcript_hash"]) for t in trials}
    return {
        "status": summary.status,
        "wall_s": round(wall, 2),
        "driver_cpu_s": round(cpu, 2),
        "outcomes": outcomes,
        "counts": Counter(o for o, _ in outcomes.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=30)
    parser.add_argument("--trials", type=int, default=4)
    parser.add_argument("--turns", type=int, default=4)
    parser.add_argument("--cpu-ms", type=float, default=20.0, help="CPU per agent turn")
    parser.add_argument("--latency", type=float, default=0.05, help="fake server latency per call (s)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    os.environ["BENCH_AGENT_CPU_MS"] = str(args.cpu_ms)  # read by cpu_agent here and, via the executor, on workers
    import ray

    sessions = args.scenarios * args.trials
    agent_cpu_s = sessions * args.turns * args.cpu_ms / 1000
    server = ServerProcess(args.latency, args.turns)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            suite_path = project(root, args)
            local = timed_run(suite_path, root, server.url, ExecutorConfig())
            print(f"in-process: {local['wall_s']} s for {sessions} sessions ({agent_cpu_s:.1f} s of agent CPU)")
            t0 = time.perf_counter()
            ray.init(address="local", num_cpus=args.workers, include_dashboard=False, log_to_driver=False)
            start_s = time.perf_counter() - t0
            try:
                remote = timed_run(suite_path, root, server.url, ExecutorConfig(kind="ray", workers=args.workers))
            finally:
                ray.shutdown()
            print(f"ray ({args.workers} workers): {remote['wall_s']} s (cluster start {start_s:.1f} s, not counted)")
    finally:
        server.close()
    cores = os.cpu_count() or 1
    ideal = min(args.workers, cores)
    speedup = local["wall_s"] / remote["wall_s"]
    same = local["outcomes"] == remote["outcomes"]
    print(f"speedup {speedup:.2f}x of an ideal {ideal}x (ideal/speedup {ideal / speedup:.2f}); same verdicts: {same}")
    print(
        json.dumps(
            {
                "bench": "ray_executor",
                "sessions": sessions,
                "turns": args.turns,
                "cpu_ms_per_turn": args.cpu_ms,
                "latency_s": args.latency,
                "workers": args.workers,
                "cores": cores,
                "loadavg_1m": round(os.getloadavg()[0], 2),
                "agent_cpu_s": round(agent_cpu_s, 2),
                "in_process_wall_s": local["wall_s"],
                "ray_wall_s": remote["wall_s"],
                "ray_cluster_start_s": round(start_s, 1),
                "driver_cpu_s": {"in_process": local["driver_cpu_s"], "ray": remote["driver_cpu_s"]},
                "speedup": round(speedup, 2),
                "ideal_speedup": ideal,
                "ideal_over_speedup": round(ideal / speedup, 2),
                "same_verdicts": same,
                "status": [local["status"], remote["status"]],
                "outcomes": dict(remote["counts"]),
            }
        )
    )


if __name__ == "__main__":
    main()
