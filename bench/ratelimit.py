"""Adaptive limits against a rate-limited provider: the default synthetic suite, evalkit not told the limits.

    python bench/ratelimit.py                     # 1,200 rpm, 300,000 tpm, 1 s buckets, 40 sessions x 12 calls
    python bench/ratelimit.py --rpm 600 --tpm 0   # requests only

The fake server (its own process) holds `--window` seconds' worth of each budget: the
providers hold a full minute, but then a short run would fit in the first burst and say
nothing about the sustained rate; a 1 s bucket enforces the same rate at a time scale a
one-minute benchmark can measure. evalkit gets no rpm/tpm: it learns them from 429s and
the x-ratelimit-* headers. The suite runs three times: adaptive control on (the default),
off (fixed 32 connections, 429s still retried on the wait budget) and the old behaviour
(off, and 429s spent like any retry). Measured at the server: accepted requests and tokens
per second between the 10th and 90th percentile of admissions (the sustained part: the
first burst and the last few sessions' tail are left out), over the permitted rate, and
429s over all requests. The last line is one JSON object.

Two more modes stand for `pytest -n WORKERS`: the sessions are split between `--workers`
processes (each its own hub, as xdist workers are), told `--worker-rpm` (default: none, so
they learn from the headers alone). `workers_shared` gives them the run's shared budget
service on 127.0.0.1 (what the xdist controller hosts); `workers_alone` does not, so each
process spends as if the budget were its own.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synthetic import rules, write_project  # noqa: E402

MODES = {
    "adaptive": {},
    "static": {"adaptive": {"enabled": False}},
    "old": {"adaptive": {"enabled": False}, "rate_limit_wait_s": 0},
}
WORKER_MODES = ("workers_shared", "workers_alone")


def serve(args: argparse.Namespace) -> None:
    """Child process: the limited fake server; `stats` prints what it admitted and resets the budgets."""
    from evalkit.testing import FakeLLMServer

    limits = {"rpm": args.rpm or None, "tpm": args.tpm or None, "window_s": args.window}
    server = FakeLLMServer(rules(args.turns), latency_s=args.latency).start()
    server.set_rate_limit(**limits)
    print(json.dumps({"url": server.openai_base_url}), flush=True)
    for line in sys.stdin:
        if line.strip() != "stats":
            break
        stats = server.rate_limit_stats
        print(json.dumps({"admitted": stats.admitted, "refused": stats.refused, "charged": stats.charged}), flush=True)
        server.set_rate_limit(**limits)
        server.reset()
    server.stop()


class Server:
    def __init__(self, args: argparse.Namespace) -> None:
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--serve",
            "--rpm",
            str(args.rpm),
            "--tpm",
            str(args.tpm),
            "--window",
            str(args.window),
            "--latency",
            str(args.latency),
            "--turns",
            str(args.turns),
        ]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.url = json.loads(self.proc.stdout.readline())["url"]

    def stats(self) -> dict[str, Any]:
        self.proc.stdin.write("stats\n")
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(10)


def run_suite(root: Path, url: str, mode: str, args: argparse.Namespace) -> dict[str, Any]:
    from evalkit.llm import ModelHub
    from evalkit.run import RunConfig, plan_run, run_in_thread
    from evalkit.spec import load_suite

    suite = load_suite(root / "suites" / "bench.yaml", root=root)
    config = RunConfig(report_dir=root / "reports", base_urls={"openai": url}, cache=False, run_id=f"ratelimit-{mode}")
    hub_config = config.hub_config().model_validate({**config.hub_config().model_dump(), **MODES[mode]})
    hubs: list[Any] = []

    def make_hub() -> Any:
        hubs.append(ModelHub(hub_config))
        return hubs[-1]

    started = time.perf_counter()
    summary = run_in_thread(plan_run([suite], config), config, hub_factory=make_hub).wait()
    wall = time.perf_counter() - started
    return {"wall_s": round(wall, 2), **outcome(summary.run_dir)}


def run_workers(root: Path, url: str, mode: str, args: argparse.Namespace) -> dict[str, Any]:
    """The suite split between `args.workers` processes, with or without the shared budget service."""
    from evalkit.llm.budget_service import BudgetServer

    server = BudgetServer().start() if mode == "workers_shared" else None
    budget = {"address": server.address, "token": server.token, "workers": args.workers} if server else None
    started = time.perf_counter()
    children = [
        subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--child",
                json.dumps(
                    {
                        "root": str(root),
                        "url": url,
                        "index": i,
                        "workers": args.workers,
                        "mode": mode,
                        "budget": budget,
                        "rpm": args.worker_rpm or None,
                    }
                ),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(args.workers)
    ]
    parts = [json.loads(child.communicate()[0].strip().splitlines()[-1]) for child in children]
    wall = time.perf_counter() - started
    if server is not None:
        server.stop()
    return {
        "wall_s": round(wall, 2),
        "workers": args.workers,
        "sessions": sum(p["sessions"] for p in parts),
        "invalid": sum(p["invalid"] for p in parts),
        "failed_by_rate_limit": sum(p["failed_by_rate_limit"] for p in parts),
        "final_concurrency": sum(p["final_concurrency"] or 0 for p in parts),
        "peak_in_flight": sum(p["peak_in_flight"] or 0 for p in parts),
    }


def child(spec: dict[str, Any]) -> None:
    """One worker process: its share of the sessions, its own hub; prints its figures as JSON."""
    from evalkit.run import RunConfig, plan_run, run_in_thread
    from evalkit.spec import load_suite

    root = Path(spec["root"])
    limits = {"rpm": spec["rpm"], "budget": spec["budget"]}
    config = RunConfig(
        report_dir=root / "reports",
        base_urls={"openai": spec["url"]},
        cache=False,
        run_id=f"ratelimit-{spec['mode']}-w{spec['index']}",
        limits=limits,
    )
    work = plan_run([load_suite(root / "suites" / "bench.yaml", root=root)], config)[spec["index"] :: spec["workers"]]
    summary = run_in_thread(work, config).wait()
    print(json.dumps(outcome(summary.run_dir)))


def outcome(run_dir: Path) -> dict[str, Any]:
    from evalkit.run import load_run

    trials = load_run(run_dir).trials
    invalid = [t for t in trials if t["outcome"] == "invalid"]
    endpoint = json.loads((run_dir / "run.json").read_text()).get("endpoints", [{}])[0]
    return {
        "sessions": len(trials),
        "invalid": len(invalid),
        "failed_by_rate_limit": sum(1 for t in invalid if "rate_limit" in json.dumps(t)),
        "final_concurrency": endpoint.get("concurrency"),
        "peak_in_flight": endpoint.get("peak_in_flight"),
    }


def sustained(stats: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """Accepted rates between the 10th and 90th percentile of admissions, over what the server permits."""
    admitted = sorted(stats["admitted"])
    n = len(admitted)
    lo, hi = admitted[n // 10], admitted[(9 * n) // 10]
    span = hi - lo
    requests = sum(1 for t in admitted if lo <= t < hi)
    tokens = sum(k for t, k in stats["charged"] if lo <= t < hi)
    req_rate, tok_rate = requests / span, tokens / span
    use = [req_rate / (args.rpm / 60)] if args.rpm else []
    use += [tok_rate / (args.tpm / 60)] if args.tpm else []
    refused = stats["refused"]
    total = n + len(refused)
    first = min(admitted[0], *refused) if refused else admitted[0]
    return {
        "accepted": n,
        "rejected_429": len(refused),
        "admission_span_s": round(admitted[-1] - admitted[0], 2),
        "share_429": round(len(refused) / total, 4),
        "late_429": sum(1 for t in refused if t - first >= 1.0),  # after the first second's burst
        "requests_per_s": round(req_rate, 2),
        "tokens_per_s": round(tok_rate, 1),
        "tokens_per_request": round(sum(k for _, k in stats["charged"]) / max(1, n), 1),
        "utilisation": round(max(use), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rpm", type=int, default=1200, help="requests per minute the server permits (0: no limit)")
    parser.add_argument("--tpm", type=int, default=300_000, help="tokens per minute the server permits (0: no limit)")
    parser.add_argument("--window", type=float, default=1.0, help="seconds' worth each budget holds")
    parser.add_argument("--scenarios", type=int, default=40)
    parser.add_argument("--trials", type=int, default=1)
    parser.add_argument("--turns", type=int, default=4)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument(
        "--modes",
        default="adaptive,static,old," + ",".join(WORKER_MODES),
        help="comma-separated: " + ",".join([*MODES, *WORKER_MODES]),
    )
    parser.add_argument("--workers", type=int, default=2, help="processes of the workers_* modes (like pytest -n)")
    parser.add_argument("--worker-rpm", type=int, default=0, help="rpm the workers are told (0: none, learn it)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args)
    if args.child:
        return child(json.loads(args.child))
    import os

    os.environ["OPENAI_API_KEY"] = "sk-bench-local"  # only ever sent to the local fake server
    server = Server(args)
    results: dict[str, Any] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="evalkit-ratelimit-") as tmp:
            root = Path(tmp)
            write_project(root, args.scenarios, args.trials, args.turns)
            for mode in args.modes.split(","):
                run = (run_workers if mode in WORKER_MODES else run_suite)(root, server.url, mode, args)
                results[mode] = {**run, **sustained(server.stats(), args)}
                r = results[mode]
                print(
                    f"{mode:>8}: {r['sessions']} sessions in {r['wall_s']:.1f} s, {r['invalid']} invalid "
                    f"({r['failed_by_rate_limit']} by rate limiting); sustained {r['requests_per_s']:.1f} req/s, "
                    f"{r['tokens_per_s']:.0f} tok/s = {100 * r['utilisation']:.1f} % of the permitted rate; "
                    f"{r['rejected_429']} x 429 = {100 * r['share_429']:.2f} % of requests "
                    f"({r['late_429']} after the first second); "
                    f"connections at the end {r['final_concurrency']} (peak in flight {r['peak_in_flight']})",
                    flush=True,
                )
    finally:
        server.close()
    targets: dict[str, bool] = {}
    for mode in ("adaptive", "workers_shared"):
        if mode in results:
            r = results[mode]
            prefix = "" if mode == "adaptive" else f"{mode}_"
            targets.update(
                {
                    f"{prefix}utilisation>=0.9": r["utilisation"] >= 0.9,
                    f"{prefix}share_429<=0.01": r["share_429"] <= 0.01,
                    f"{prefix}no_session_failed_by_rate_limit": r["failed_by_rate_limit"] == 0,
                }
            )
    shared, alone = results.get("workers_shared"), results.get("workers_alone")
    if shared and alone:
        targets["sharing_cuts_429s"] = shared["rejected_429"] < alone["rejected_429"]
    print(
        json.dumps(
            {
                "rpm": args.rpm,
                "tpm": args.tpm,
                "window_s": args.window,
                "latency_s": args.latency,
                "workers": args.workers,
                "worker_rpm": args.worker_rpm or None,
                "scenarios": args.scenarios,
                "trials": args.trials,
                "turns": args.turns,
                **results,
                "targets_met": targets,
            }
        )
    )


if __name__ == "__main__":
    main()
