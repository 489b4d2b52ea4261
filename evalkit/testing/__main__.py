"""`python -m evalkit.testing`: serve FakeLLMServer on 127.0.0.1 until interrupted.

    python -m evalkit.testing --rules rules.yaml --latency 0.1 --rpm 1200 --tpm 200000

Prints every registered provider's base-URL variable (OPENAI_BASE_URL=..., ANTHROPIC_BASE_URL=...,
and installed ones), then serves until Ctrl-C. Point an SDK (or evalkit, through those variables) at
it to try rate-limit handling.
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


def base_url_lines(server: FakeLLMServer) -> str:
    """`NAME_BASE_URL=<address>` for each provider reached over HTTP (an alias: at its wire's route)."""
    from evalkit.llm.providers import remote_providers

    return "\n".join(f"{spec.url_env}={server.base_url(spec.name)}" for spec in remote_providers())


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    server = FakeLLMServer(
        args.rules,
        latency_s=args.latency,
        rpm=args.rpm,
        tpm=args.tpm,
        rate_window_s=args.window,
        rate_limit_headers=not args.no_rate_headers,
        port=args.port,
    ).start()
    print(base_url_lines(server), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    sys.exit(0)


if __name__ == "__main__":
    main()
