"""The append-only event log (events.jsonl): what happened, in order, crash-safe.

Each event is one `os.write` of one complete line to an O_APPEND descriptor, so
a crash can at worst leave a torn *last* line, which `read_events` skips. The
file is fsynced at most every `fsync_interval_s` and when closed: page-cache
writes already survive a killed process; fsync only guards against power loss.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

EVENT_KINDS = (
    "run_started",
    "session_started",
    "turn",
    "session_ended",
    "judged",
    "trial_decided",
    "run_ended",
)


class EventLog:
    """Writer for events.jsonl. Not thread-safe: the run writes it from its one event loop."""

    def __init__(self, path: Path, fsync_interval_s: float = 1.0) -> None:
        self.path = path
        self._fd: int | None = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._fsync_interval = fsync_interval_s
        self._last_sync = time.monotonic()
        self._seal_torn_tail()

    def _seal_torn_tail(self) -> None:
        """A resumed log may end in a torn line; start ours on a fresh line so both stay readable."""
        size = os.fstat(self._fd).st_size if self._fd is not None else 0
        if size:
            with open(self.path, "rb") as fh:
                fh.seek(size - 1)
                if fh.read(1) != b"\n":
                    os.write(self._fd, b"\n")

    def emit(self, kind: str, payload: dict[str, Any] | None = None) -> None:
        if self._fd is None:
            return
        record = {"ts": round(time.time(), 4), "kind": kind, **(payload or {})}
        os.write(self._fd, (json.dumps(record, separators=(",", ":"), default=str) + "\n").encode())
        now = time.monotonic()
        if self._fsync_interval and now - self._last_sync >= self._fsync_interval:
            os.fsync(self._fd)
            self._last_sync = now

    def close(self) -> None:
        if self._fd is not None:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None


def read_events(path: Path) -> Iterator[dict[str, Any]]:
    """Yield events in order, skipping lines that do not parse (a crash's torn line)."""
    if not path.exists():
        return
    with open(path, "rb") as fh:
        for raw in fh:
            line = raw.strip()
            if not line:
                continue
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict) and "kind" in event:
                yield event
