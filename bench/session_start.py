"""Session start: an outside `anthropic`-SDK agent, 5 scenarios x 20 trials, 100 ms latency (issue #17 part 2).

    python bench/session_start.py                         # the factory as most users write it (a client per session)
    python bench/session_start.py --factory make_shared_agent   # the same agent marked evalkit_shared = True
    python bench/session_start.py --repeat 3              # several fresh-process runs (the machine is noisy)

The agent is examples/sdk_agents/anthropic_agent.py: `AsyncAnthropic(base_url=...)` per session
(ANTHROPIC_BASE_URL points it at the fake server), one tool. evalkit never imports it; the suite
names it. Each run is a fresh Python process, so the SDK's import is paid inside the run as a user
pays it. The fake server (bench/fake_server.py, its own process) answers the agent on the Anthropic
wire and evalkit's simulator and judge on the OpenAI wire, each call after `--latency`.

Phases printed per run: `import` (importing the agent's module, i.e. the SDK, in a fresh process),
`construction` (one factory call x sessions: what building the clients costs in CPU, wherever it
runs), `sessions` (plan -> every item decided, the plugin's path), `report` (how long the caller
waits for report.html + summary.md after the last result), and `wall` = sessions + report.
`loop stalled`: a watcher sleeping 5 ms at a time on the run's event loop sums every wake-up more
than 15 ms late, i.e. time no session could run (building clients on the loop shows up here; on a
loaded machine so does the OS scheduler). `CPU`: the run process's CPU during the sessions.
Latency floor = max(calls per session x latency, evalkit's calls per endpoint x latency / connections):
the chain of dependent calls, or the connection limit, whichever binds. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
AGENT_MODULE = "examples.sdk_agents.anthropic_agent"


def child(args: argparse.Namespace) -> None:
    """One measured run in this (fresh) process; prints one JSON line."""
    from synthetic import write_project

    from evalkit.plugin.reports import warm_up, write_reports
    from evalkit.run import RunConfig, plan_run, run_in_thread
    from evalkit.spec import load_suite

    if args.build_slots:
        from evalkit.conversation.agents import construct

        construct.BUILD_SLOTS = args.build_slots
    with tempfile.TemporaryDirectory(prefix="evalkit-session-start-") as tmp:
        root = Path(tmp)
        suite_path = write_project(root, args.scenarios, args.trials, args.turns, "openai")
        suite = json.loads(suite_path.read_text())
        suite["agent"] = {"kind": "callable", "target": f"{AGENT_MODULE}:{args.factory}"}
        suite["agent_models"] = ["anthropic:bench-agent"]
        suite_path.write_text(json.dumps(suite))
        config = RunConfig(
            report_dir=root / "reports",
            base_urls={"openai": args.url},
            cache_dir=root / "cache",
            max_connections=args.connections,
            run_id="session-start",
        )
        t0, p0 = time.perf_counter(), time.process_time()
        items = plan_run([load_suite(suite_path, root=root)], config)
        handle = run_in_thread(items, config)
        stalls = watch_loop(handle)
        if not args.no_warm_up:
            warm_up()  # as the plugin's controller does when it starts a run
        for key in dict.fromkeys(i.item_key for i in items):
            handle.wait_for_item(key)
        summary = handle.wait()
        t1, p1 = time.perf_counter(), time.process_time()
        report, error = write_reports(summary.run_dir)
        t2, p2 = time.perf_counter(), time.process_time()
        complete = report is not None and report.stat().st_size > 0
    factory = getattr(sys.modules[AGENT_MODULE], args.factory)
    c0 = time.process_time()
    for _ in range(20):
        factory(model="anthropic:bench-agent")
    construct_ms = (time.process_time() - c0) / 20 * 1000
    print(
        json.dumps(
            {
                "sessions": summary.decided,
                "status": str(summary.status),
                "sessions_s": round(t1 - t0, 3),
                "report_s": round(t2 - t1, 3),
                "cpu_sessions_s": round(p1 - p0, 3),
                "cpu_report_s": round(p2 - p1, 3),
                "report_written": complete,
                "report_error": error,
                "construct_ms": round(construct_ms, 2),
                **stalls.figures(),
                "outcomes": summary.totals.get("outcomes", summary.totals),
            }
        )
    )


class LoopWatch:
    """Sleeps 5 ms at a time on the run's loop: any extra delay is time the loop could not run (a stall)."""

    TICK_S, STALL_S = 0.005, 0.015

    def __init__(self) -> None:
        self.longest = self.stalled = 0.0
        self.stalls = 0

    async def watch(self) -> None:
        import asyncio

        while True:
            t = time.perf_counter()
            await asyncio.sleep(self.TICK_S)
            late = time.perf_counter() - t - self.TICK_S
            self.longest = max(self.longest, late)
            if late > self.STALL_S:
                self.stalls += 1
                self.stalled += late

    def figures(self) -> dict[str, float]:
        return {
            "loop_longest_stall_ms": round(1000 * self.longest, 1),
            "loop_stalls_over_15ms": self.stalls,
            "loop_stalled_s": round(self.stalled, 3),
        }


def watch_loop(handle: Any) -> LoopWatch:
    """Start a LoopWatch on the run's event loop (the bench reads the handle's loop; nothing else does)."""
    import asyncio

    watch = LoopWatch()
    while handle._loop is None:
        time.sleep(0.001)
    asyncio.run_coroutine_threadsafe(watch.watch(), handle._loop)
    return watch


def import_seconds() -> float:
    """Importing the agent's module (the SDK with it) in a fresh process."""
    code = f"import time; t = time.perf_counter(); import {AGENT_MODULE}; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", type=int, default=5)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--turns", type=int, default=4, help="simulated user turns per session")
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--connections", type=int, default=32, help="evalkit's connection limit per endpoint")
    parser.add_argument("--factory", default="make_agent", help="make_agent or make_shared_agent")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--build-slots", type=int, default=0, help="agents built at once off the loop (default: evalkit's)"
    )
    parser.add_argument("--no-warm-up", action="store_true", help="skip the report warm-up (to compare)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    from run import ServerProcess

    server = ServerProcess(args.latency, args.turns)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "OPENAI_API_KEY": "sk-bench-local",
        "ANTHROPIC_API_KEY": "sk-ant-bench-local",  # only sent to 127.0.0.1
        "ANTHROPIC_BASE_URL": server.url.removesuffix("/v1"),
    }
    runs: list[dict[str, Any]] = []
    try:
        for _ in range(args.repeat):
            cmd = [
                sys.executable,
                str(Path(__file__).resolve()),
                "--child",
                "--url",
                server.url,
                *(f"--{k}={getattr(args, k)}" for k in ("scenarios", "trials", "turns", "factory", "connections")),
                f"--build-slots={args.build_slots}",
                *(["--no-warm-up"] if args.no_warm_up else []),
            ]
            out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
            if out.returncode:
                sys.exit(f"run failed:\n{out.stderr[-3000:]}")
            row = json.loads(out.stdout.strip().splitlines()[-1])
            row["calls"] = server.ask("counts")
            row["import_s"] = round(import_seconds(), 3)
            runs.append(summarise(row, args))
            print_run(row)
    finally:
        server.close()
    walls = [r["wall_s"] for r in runs]
    result = {
        **runs[-1],
        "factory": args.factory,
        "repeat": args.repeat,
        "wall_s_all": walls,
        "ratio_all": [r["ratio_vs_floor"] for r in runs],
        "wall_s_median": statistics.median(walls),
        "ratio_median": round(statistics.median(walls) / runs[-1]["latency_floor_s"], 3),
        "target_ratio": 1.5,
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }
    result["target_met"] = result["ratio_median"] <= 1.5
    print(json.dumps(result))


def summarise(row: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """Add the latency floor and the ratio to one run's figures."""
    calls, n = row["calls"], max(row["sessions"], 1)
    chain = sum(calls.values()) / n  # every session of the synthetic suite makes the same calls
    hub_calls = calls.get("simulator", 0) + calls.get(
        "judge", 0
    )  # evalkit's own endpoint (the agent has its own client)
    floor = max(chain * args.latency, hub_calls * args.latency / args.connections)
    row.update(
        latency_floor_s=round(floor, 3),
        calls_per_session=chain,
        latency_s=args.latency,
        construction_s=round(row["construct_ms"] * n / 1000, 3),
        wall_s=round(row["sessions_s"] + row["report_s"], 3),
    )
    row["ratio_vs_floor"] = round(row["wall_s"] / floor, 3)
    return row


def print_run(row: dict[str, Any]) -> None:
    print(
        f"{row['sessions']} sessions ({row['status']}), calls {row['calls']}: import {row['import_s']:.2f} s | "
        f"construction {row['construction_s']:.2f} s ({row['construct_ms']:.1f} ms each) | sessions "
        f"{row['sessions_s']:.2f} s (CPU {row['cpu_sessions_s']:.2f} s; loop stalled {row['loop_stalled_s']:.2f} s, "
        f"longest {row['loop_longest_stall_ms']:.0f} ms) | report {row['report_s']:.2f} s | wall {row['wall_s']:.2f} s = "
        f"{row['ratio_vs_floor']:.2f} x floor {row['latency_floor_s']:.2f} s",
        flush=True,
    )


if __name__ == "__main__":
    main()
