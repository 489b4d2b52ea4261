"""The append-only event log (events.jsonl): what happened, in order, crash-safe.

Each event is one `os.write` of one complete line to an O_APPEND descriptor, so
a crash can at worst leave a torn *last* line, which `read_events` skips. The
file is fsynced at most every `fsync_interval_s` and when closed: page-cache
writes already survive a killed process; fsync only guards against power loss.

`turn` and `session_started` lines are held back and written together with the
next other event (or after `hold_s`), in one `os.write`: each write lets other
threads take the GIL from the event loop, and a run makes a dozen turns per
session. Nothing resume relies on is held: a session whose turns are lost in a
crash has no `session_ended` and is run again.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from evalkit.security import redact

EVENT_KINDS = (
    "run_started",
    "session_started",
    "turn",
    "session_ended",
    "judged",
    "trial_decided",
    "run_ended",
)
_HELD_KINDS = frozenset({"session_started", "turn"})


class EventLog:
    """Writer for events.jsonl. Not thread-safe: the run writes it from its one event loop."""

    def __init__(self, path: Path, fsync_interval_s: float = 1.0, hold_s: float = 0.5) -> None:
        self.path = path
        self._held: list[str] = []
        self._held_since = 0.0
        self._hold_s = hold_s
        self._fd: int | None = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._fsync_interval = fsync_interval_s
        self._last_sync = time.monotonic()
        self._seal_torn_tail()

    def _seal_torn_tail(self) -> None:
        """A resumed log may end in a torn line; start ours on a fresh line so both stay readable."""
        fd = self._fd
        size = os.fstat(fd).st_size if fd is not None else 0
        if fd is not None and size:
            with open(self.path, "rb") as fh:
                fh.seek(size - 1)
                if fh.read(1) != b"\n":
                    os.write(fd, b"\n")

    def emit(self, kind: str, payload: dict[str, Any] | None = None) -> None:
        if self._fd is None:
            return
        record = {"ts": round(time.time(), 4), "kind": kind, **(payload or {})}
        line = json.dumps(record, separators=(",", ":"), default=str) + "\n"
        now = time.monotonic()
        if kind in _HELD_KINDS:
            if not self._held:
                self._held_since = now
            self._held.append(line)
            if now - self._held_since < self._hold_s:
                return
            line = ""
        self._write(line)
        if self._fsync_interval and now - self._last_sync >= self._fsync_interval:
            os.fsync(self._fd)
            self._last_sync = now

    def _write(self, line: str) -> None:
        if self._fd is None:  # closed (emit checks first; the held lines went out with the last write)
            return
        if self._held:
            line = "".join(self._held) + line
            self._held.clear()
        os.write(self._fd, redact(line).encode())

    def close(self) -> None:
        if self._fd is not None:
            if self._held:
                self._write("")
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None


def read_events(path: Path, kinds: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
    """Yield events in order, skipping lines that do not parse (a crash's torn line).

    With `kinds`, only those events: other lines are skipped unparsed (turns and judgements are most of the log).
    """
    if not path.exists():
        return
    wanted = frozenset(kinds) if kinds is not None else None
    marks = [k.encode() for k in wanted] if wanted is not None else []
    with open(path, "rb") as fh:
        for raw in fh:
            line = raw.strip()
            if not line or (wanted is not None and not any(m in line for m in marks)):
                continue
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict) and "kind" in event and (wanted is None or event["kind"] in wanted):
                yield event
