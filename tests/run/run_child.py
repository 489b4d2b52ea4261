"""Runs the fake project in its own process (so a test can SIGKILL it), the way the pytest plugin does."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from evalkit.run import ResumeError, RunConfig, plan_run, run_in_thread
from evalkit.spec import load_suite


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("root", type=Path)
    parser.add_argument("base_url")
    parser.add_argument("report_dir", type=Path)
    parser.add_argument("--resume")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--open", type=int, default=2, help="max_open_sessions: run in waves")
    args = parser.parse_args()
    suite = load_suite(args.root / "suites" / "run.yaml", root=args.root)
    config = RunConfig(
        report_dir=args.report_dir,
        base_urls={"openai": args.base_url},
        resume=args.resume,
        cache_dir=args.root / ".cache",
        max_connections=args.connections,
        max_open_sessions=args.open,
        fsync_interval_s=0,
    )
    items = plan_run([suite], config)
    try:
        handle = run_in_thread(items, config)
    except ResumeError as err:  # refused, as the pytest plugin says it: one line, usage error
        print(f"evalkit: {err}", file=sys.stderr)
        sys.exit(2)
    for item in items:
        handle.wait_for(item.key)
    print(json.dumps(handle.wait().model_dump(mode="json")))


if __name__ == "__main__":
    main()
