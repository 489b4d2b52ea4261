"""FakeLLMServer in its own process, so its CPU is not counted as the client's.

Prints one JSON line `{"url": ...}` when ready, then obeys commands on stdin:
`counts` prints and resets the calls served per role; `log PATH` / `nolog` start and
stop writing every request (session, role, OpenAI wire body) to PATH as JSONL;
`quit` (or EOF) stops.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections import Counter
from typing import Any, TextIO

from synthetic import rules, session_of

from evalkit.llm.backends.openai_backend import wire_request
from evalkit.llm.mock_rules import Rule
from evalkit.llm.request import LLMRequest
from evalkit.testing import FakeLLMServer


class Tap:
    """Counts calls per role and optionally logs each request, from inside the rule handlers."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.log: TextIO | None = None
        self.lock = threading.Lock()

    def wrap(self, rule: Rule) -> Rule:
        inner = rule.handler

        def handler(request: LLMRequest) -> Any:
            with self.lock:
                self.counts[request.role] += 1
                if self.log is not None:
                    line = {"session": session_of(request), "role": request.role, "body": wire_request(request)}
                    self.log.write(json.dumps(line) + "\n")
            return inner(request)

        return rule.model_copy(update={"handler": handler})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--turns", type=int, default=4)
    args = parser.parse_args()
    tap = Tap()
    server = FakeLLMServer([tap.wrap(r) for r in rules(args.turns)], latency_s=args.latency).start()
    print(json.dumps({"url": server.openai_base_url}), flush=True)
    stop = threading.Event()

    def forget_requests() -> None:  # the server keeps every request; a long benchmark must not
        while not stop.wait(0.5):
            server.reset()

    threading.Thread(target=forget_requests, daemon=True).start()
    for line in sys.stdin:
        command, _, arg = line.strip().partition(" ")
        with tap.lock:
            if command == "counts":
                print(json.dumps(dict(tap.counts)), flush=True)
                tap.counts.clear()
                continue
            if command == "log":
                tap.log = open(arg, "w")  # noqa: SIM115 - closed by nolog
            elif command == "nolog" and tap.log is not None:
                tap.log.close()
                tap.log = None
            elif command == "quit":
                break
        print(json.dumps({"ok": command}), flush=True)
    stop.set()
    server.stop()


if __name__ == "__main__":
    main()
