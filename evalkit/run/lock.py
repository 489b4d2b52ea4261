"""One writer per run directory: an exclusive OS file lock, held from opening a run until it closes.

Two writers of one run directory (two `--resume` at once, or a resume while the
original still runs) would append every trial twice and race each other's
atomic rewrites. `flock` on a file inside the directory stops that; the kernel
releases it when the process ends however it ends, so a crash never leaves a
stale lock behind, and nothing ever needs to delete the lock file.

Where `fcntl` does not exist (Windows) the lock is a no-op.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]  # no fcntl on Windows: the lock is advisory there and skipped

LOCK = ".lock"


class RunLocked(Exception):
    """Another process (or another open run in this one) is writing the run directory; one line says which."""


class RunLock:
    """An exclusive, non-blocking lock on `<run dir>/.lock`; the file holds the holder's pid."""

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, run_path: Path, wait_s: float = 0.0) -> RunLock:
        """Take the lock (retrying for up to `wait_s`) or raise `RunLocked` naming the directory and the holder's pid.

        A wait suits a holder that is about to end anyway (an xdist worker being torn down).
        """
        fd = os.open(run_path / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + wait_s
        while not _try_lock(fd):
            if time.monotonic() < deadline:
                time.sleep(0.05)
                continue
            holder = _holder(fd)
            os.close(fd)
            raise RunLocked(f"{run_path} is being written by another evalkit run{holder}")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return cls(fd)

    def release(self) -> None:
        """Unlock (closing the descriptor drops the flock); the file stays, so no one can lock a stale inode."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _try_lock(fd: int) -> bool:
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder(fd: int) -> str:
    """` (pid N)` from the lock file, or nothing when the holder has not written it yet."""
    text = os.pread(fd, 32, 0).decode(errors="replace").strip()
    return f" (pid {text})" if text.isdigit() else ""
