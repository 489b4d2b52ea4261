"""`python -m evalkit.testing`: serve FakeLLMServer on 127.0.0.1 until interrupted.

    python -m evalkit.testing --rules rules.yaml --latency 0.1 --rpm 1200 --tpm 200000

Prints the OpenAI and Anthropic base URLs, then serves until Ctrl-C. Point an SDK (or
evalkit, through OPENAI_BASE_URL / ANTHROPIC_BASE_URL) at it to try rate-limit handling.
"""

from __future__ import annotations

import argparse
import sys
import threading

from evalkit.testing.server import FakeLLMServer


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m evalkit.testing", description=__doc__.splitlines()[0])
    parser.add_argument("--rules", help="YAML rules file (default: echo every request)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every answer")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--rpm", type=int, help="requests per minute before 429s")
    parser.add_argument("--tpm", type=int, help="tokens per minute before 429s")
    parser.add_argument("--window", type=float, default=60.0, help="seconds' worth each budget holds (default 60)")
    parser.add_argument("--no-rate-headers", action="store_true", help="429s without remaining/reset headers")
    args = parser.parse_args(argv)
    for name in ("rpm", "tpm"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f"--{name}: expected a positive number")
    if args.window <= 0:
        parser.error("--window: expected seconds > 0")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    server = FakeLLMServer(args.rules, latency_s=args.latency, rpm=args.rpm, tpm=args.tpm, rate_window_s=args.window,
                           rate_limit_headers=not args.no_rate_headers, port=args.port).start()
    print(f"OPENAI_BASE_URL={server.openai_base_url}\nANTHROPIC_BASE_URL={server.anthropic_base_url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    sys.exit(0)


if __name__ == "__main__":
    main()
