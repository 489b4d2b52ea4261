"""evalkit's benchmark: wall time and CPU against a raw-SDK baseline on the same model calls.

    python bench/run.py                 # 200 scenarios x 3 trials, 4 user turns, 100 ms latency
    python bench/run.py --latency 0     # pure framework overhead
    python bench/run.py --scale --turns 1   # 100 / 1,000 / 10,000 sessions: time and memory per session

The fake model server runs in its own process (bench/fake_server.py) so its CPU is
not counted as evalkit's. evalkit runs through the pytest plugin's code path
(`plan_run` -> `run_in_thread` -> `wait_for_item` per scenario item). The last
line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from baseline import run_baseline  # noqa: E402
from synthetic import rules, write_project  # noqa: E402

from evalkit.llm import ModelHub  # noqa: E402
from evalkit.run import RunConfig, plan_run, run_in_thread  # noqa: E402
from evalkit.spec import load_suite  # noqa: E402


class ServerProcess:
    """bench/fake_server.py in a child process, driven over stdin/stdout."""

    def __init__(self, latency: float, turns: int) -> None:
        cmd = [sys.executable, str(HERE / "fake_server.py"), "--latency", str(latency), "--turns", str(turns)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.url = json.loads(self._line())["url"]

    def _line(self) -> str:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the fake server process exited")
        return line

    def ask(self, command: str) -> dict[str, Any]:
        self.proc.stdin.write(command + "\n")
        return json.loads(self._line())

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
            self.proc.wait(10)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def run_evalkit(suite_path: Path, root: Path, args: argparse.Namespace, url: str | None, tag: str) -> dict[str, Any]:
    """One evalkit run, timed, the way the pytest plugin drives it."""
    suite = load_suite(suite_path, root=root)
    config = RunConfig(
        report_dir=root / "reports",
        base_urls={"openai": url} if url else {},
        cache_dir=root / "cache",
        max_connections=args.connections,
        run_id=f"bench-{tag}",
    )
    hub_config = config.hub_config()
    if args.mock:
        hub_config = hub_config.model_copy(update={"mock_rules": rules(args.turns)})
    hubs: list[ModelHub] = []

    def make_hub() -> ModelHub:
        hubs.append(ModelHub(hub_config))
        return hubs[-1]

    wall0, cpu0 = time.perf_counter(), time.process_time()
    items = plan_run([suite], config)
    handle = run_in_thread(items, config, hub_factory=make_hub)
    for item_key in dict.fromkeys(i.item_key for i in items):
        handle.wait_for_item(item_key)
    summary = handle.wait()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    by_role = {role: t.calls - t.cache_hits for role, t in hubs[0].usage.by_role().items()}
    return {"summary": summary, "wall_s": wall, "cpu_s": cpu, "hub_calls": by_role, "rss_mb": peak_rss_mb()}


def scale(args: argparse.Namespace) -> None:
    """Each size in a fresh process, so peak RSS belongs to that size alone.

    Uses the in-process mock provider (same rules, no HTTP) so 10,000 sessions take
    minutes, not an hour: the SDK's per-call cost is flat and the default mode measures it.
    """
    rows = []
    for n in (100, 1000, 10000):
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--sessions",
            str(n),
            "--trials",
            "1",
            "--turns",
            str(args.turns),
            "--latency",
            "0",
            "--connections",
            str(args.connections),
            "--no-baseline",
            "--no-cache-check",
            "--quiet",
            "--mock",
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        row = json.loads(out.strip().splitlines()[-1])
        rows.append(row)
        print(
            f"N={n:>6}: wall {row['wall_s']:8.2f} s  {1000 * row['wall_s'] / n:7.2f} ms/session  "
            f"CPU {1000 * row['cpu_s'] / n:7.2f} ms/session  peak RSS {row['peak_rss_mb']:8.1f} MB",
            flush=True,
        )
    growth_kb = (rows[2]["peak_rss_mb"] - rows[1]["peak_rss_mb"]) * 1024 / 9000
    result = {
        "mode": "scale",
        "mock": True,
        "turns": args.turns,
        "sessions": [r["sessions"] for r in rows],
        "wall_s": [r["wall_s"] for r in rows],
        "ms_per_session": [round(1000 * r["wall_s"] / r["sessions"], 3) for r in rows],
        "cpu_ms_per_session": [round(1000 * r["cpu_s"] / r["sessions"], 3) for r in rows],
        "peak_rss_mb": [r["peak_rss_mb"] for r in rows],
        "rss_growth_kb_per_session_1k_to_10k": round(growth_kb, 2),
    }
    print(f"RSS growth 1k -> 10k: {growth_kb:.2f} KB/session")
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", type=int, default=200)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--sessions", type=int, help="total sessions (sets scenarios = sessions / trials)")
    parser.add_argument("--turns", type=int, default=4, help="simulated user turns per session")
    parser.add_argument("--latency", type=float, default=0.1, help="fake model latency in seconds")
    parser.add_argument("--connections", type=int, default=32, help="connection limit per endpoint")
    parser.add_argument("--mock", action="store_true", help="in-process mock provider instead of HTTP (no baseline)")
    parser.add_argument("--scale", action="store_true", help="run N = 100, 1,000, 10,000 sessions")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--no-cache-check", action="store_true")
    parser.add_argument("--quiet", action="store_true", help="print only the JSON line")
    args = parser.parse_args()
    if args.scale:
        return scale(args)
    if args.sessions:
        args.scenarios = math.ceil(args.sessions / args.trials)
    os.environ["OPENAI_API_KEY"] = "sk-bench-local"  # only ever sent to the local fake server
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, flush=True))
    with tempfile.TemporaryDirectory(prefix="evalkit-bench-") as tmp:
        root = Path(tmp)
        suite_path = write_project(root, args.scenarios, args.trials, args.turns, "mock" if args.mock else "openai")
        server = None if args.mock else ServerProcess(args.latency, args.turns)
        try:
            result = measure(args, root, suite_path, server, say)
        finally:
            if server is not None:
                server.close()
    print(json.dumps(result))


def measure(args: argparse.Namespace, root: Path, suite_path: Path, server: ServerProcess | None, say) -> dict:
    log = root / "calls.jsonl"
    baseline_on = server is not None and not args.no_baseline
    if baseline_on:
        server.ask(f"log {log}")
    run = run_evalkit(suite_path, root, args, server.url if server else None, "main")
    calls = server.ask("counts") if server else run["hub_calls"]
    if baseline_on:
        server.ask("nolog")
    n_calls = sum(calls.values())
    sessions = run["summary"].decided
    say(f"evalkit: {sessions} sessions ({run['summary'].status}), calls by role {calls}")
    say(
        f"evalkit: wall {run['wall_s']:.2f} s, CPU {run['cpu_s']:.2f} s = {1000 * run['cpu_s'] / n_calls:.2f} ms/call, "
        f"peak RSS {run['rss_mb']:.1f} MB"
    )
    result: dict[str, Any] = {
        "sessions": sessions,
        "calls": n_calls,
        "calls_by_role": calls,
        "wall_s": round(run["wall_s"], 3),
        "cpu_s": round(run["cpu_s"], 3),
        "cpu_ms_per_call": round(1000 * run["cpu_s"] / n_calls, 3),
        "peak_rss_mb": round(run["rss_mb"], 1),
        "latency_s": args.latency,
        "connections": args.connections,
        "turns": args.turns,
        "mock": args.mock,
    }
    if baseline_on:
        base = run_baseline(log, server.url, args.connections)
        base_calls = sum(server.ask("counts").values())
        limit = max(base["longest_chain"] * args.latency, n_calls * args.latency / args.connections)
        say(
            f"baseline: {base_calls} calls, wall {base['wall_s']:.2f} s, CPU {base['cpu_s']:.2f} s = "
            f"{1000 * base['cpu_s'] / base_calls:.2f} ms/call"
        )
        say(
            f"ratio evalkit/baseline {run['wall_s'] / base['wall_s']:.3f}; latency limit {limit:.2f} s "
            f"(longest chain {base['longest_chain']} calls)"
        )
        result.update(
            baseline_wall_s=round(base["wall_s"], 3),
            baseline_calls=base_calls,
            ratio_vs_baseline=round(run["wall_s"] / base["wall_s"], 3),
            latency_limit_s=round(limit, 3),
            baseline_cpu_ms_per_call=round(1000 * base["cpu_s"] / base_calls, 3),
            cpu_ratio_vs_baseline=round((run["cpu_s"] / n_calls) / (base["cpu_s"] / base_calls), 3),
        )
    if not args.no_cache_check:
        again = run_evalkit(suite_path, root, args, server.url if server else None, "rerun")
        rerun_calls = server.ask("counts") if server else again["hub_calls"]
        say(f"re-run with the judge cache: calls by role {rerun_calls}")
        result["rerun_judge_calls"] = rerun_calls.get("judge", 0)
    return result


if __name__ == "__main__":
    main()
