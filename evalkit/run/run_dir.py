"""The run directory: `reports/<UTC timestamp>-<shortid>/` and everything written into it."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from evalkit.conversation.transcript import Transcript
from evalkit.run.lock import RunLock
from evalkit.security import redact, redact_bytes

MANIFEST = "run.json"
EVENTS = "events.jsonl"
TRIALS = "trials.jsonl"
RESULTS = "results.jsonl"
TRANSCRIPTS = "transcripts"
LATEST = "latest"


def new_run_id(now: datetime | None = None) -> str:
    """Sortable by time, unique across concurrent runs: `20261127T033800Z-1a2b3c`."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{secrets.token_hex(3)}"


def write_atomic(path: Path, data: bytes) -> None:
    """Write-then-rename: a reader (or a crash) never sees half a file. Secrets are redacted (every file of a run
    directory is written here or by `append_text`)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(redact_bytes(data))
    os.replace(tmp, path)


def dump_line(row: BaseModel | dict[str, Any]) -> str:
    if isinstance(row, BaseModel):
        return row.model_dump_json() + "\n"
    return json.dumps(row, separators=(",", ":"), default=str) + "\n"


def redacted_transcript(transcript: Transcript) -> tuple[Transcript, bytes]:
    """The transcript as its file holds it, secrets redacted, and its bytes: hash this one, so a resume finds the
    file as the event log says it was written."""
    data = transcript.model_dump_json().encode()
    clean = redact_bytes(data)
    if clean == data:
        return transcript, data
    try:
        return Transcript.model_validate_json(clean), clean
    except ValueError:  # a "secret" that was JSON syntax: the file is still redacted; resume runs it again
        return transcript, clean


class RunDir:
    """Paths and writers of one run directory. All writes are small appends or atomic replaces."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.run_id = path.name
        self._fds: dict[str, int] = {}  # append-only files stay open: one write() per append
        self._lock: RunLock | None = None  # held while this object writes the directory

    @classmethod
    def create(cls, report_dir: Path, run_id: str | None = None) -> RunDir:
        """A new run directory, locked. mkdir is the claim: runs never share one (a taken drawn id is redrawn)."""
        Path(report_dir).mkdir(parents=True, exist_ok=True)
        for _ in range(100):
            path = Path(report_dir) / (run_id or new_run_id())
            try:
                path.mkdir()
                break
            except FileExistsError:
                if run_id:
                    raise FileExistsError(
                        f"run directory {path} already exists: resume it, or start a run with a new id"
                    ) from None
        else:
            raise FileExistsError(f"no free run directory name under {report_dir}")
        run_dir = cls.claim(path)
        (path / TRANSCRIPTS).mkdir()
        for name in (TRIALS, RESULTS):
            (path / name).touch()
        return run_dir

    @classmethod
    def claim(cls, path: Path) -> RunDir:
        """The run directory at `path`, locked for writing; `RunLocked` (one line, with the holder's pid) if taken."""
        run_dir = cls(path)
        run_dir._lock = RunLock.acquire(path)
        return run_dir

    def release(self) -> None:
        """Let another writer in (a resume): call once the run's last write is done."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def file(self, name: str) -> Path:
        return self.path / name

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        write_atomic(self.file(MANIFEST), json.dumps(manifest, indent=2, default=str).encode())

    def read_manifest(self) -> dict[str, Any]:
        """run.json as a dict; ValueError naming the file when it is not a JSON object (so callers say so in one line)."""
        path = self.file(MANIFEST)
        try:
            manifest = json.loads(path.read_text())
        except ValueError as err:
            raise ValueError(f"{path}: not valid JSON ({err})") from None
        if not isinstance(manifest, dict):
            raise ValueError(f"{path}: expected a JSON object, got {type(manifest).__name__}")
        return manifest

    def transcript_relpath(self, stem: str) -> str:
        return f"{TRANSCRIPTS}/{stem}.json"

    def write_transcript(self, stem: str, transcript: Transcript | bytes) -> str:
        """Write atomically, so a transcript file that exists is complete (resume relies on it).

        Takes the serialised bytes too, so the caller can serialise on the event loop and
        leave only the file-system work (about a millisecond here) to a worker thread.
        """
        rel = self.transcript_relpath(stem)
        data = transcript if isinstance(transcript, bytes) else transcript.model_dump_json().encode()
        write_atomic(self.path / rel, data)
        return rel

    def read_transcript(self, rel: str) -> Transcript | None:
        path = self.path / rel
        try:
            return Transcript.model_validate_json(path.read_bytes())
        except (OSError, ValueError):
            return None

    def append_text(self, name: str, text: str) -> None:
        """One write per call, O_APPEND: rows of one trial land together or (on a crash) as a torn tail."""
        if not text:
            return
        text = redact(text)
        fd = self._fds.get(name)
        if fd is None:
            fd = self._fds[name] = os.open(self.file(name), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.write(fd, text.encode())

    def close(self) -> None:
        for fd in self._fds.values():
            os.fsync(fd)
            os.close(fd)
        self._fds.clear()

    def rewrite_rows(self, name: str, rows: Iterable[dict[str, Any]]) -> None:
        """Replace a JSONL file atomically (resume drops rows of undecided trials)."""
        fd = self._fds.pop(name, None)
        if fd is not None:
            os.close(fd)
        write_atomic(self.file(name), "".join(dump_line(r) for r in rows).encode())


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Read a JSONL file, skipping a torn or blank line."""
    rows: list[dict[str, Any]] = []
    if not path.exists():
        return rows
    with open(path, "rb") as fh:
        for raw in fh:
            try:
                row = json.loads(raw)
            except ValueError:
                continue
            if isinstance(row, dict):
                rows.append(row)
    return rows


def update_latest(report_dir: Path, run_dir: Path) -> None:
    """Point `reports/latest` at `run_dir` (the policy of when is `evalkit.run.latest`'s)."""
    point_link(report_dir, LATEST, run_dir)


def point_link(report_dir: Path, name: str, run_dir: Path) -> None:
    """Atomically point `report_dir/name` at `run_dir`: a relative symlink written aside, then renamed over the old
    one (a reader sees the old run or the new, never none), or a text file naming the run where symlinks fail."""
    link = Path(report_dir) / name
    tmp = link.with_name(f".{name}.{os.getpid()}.{secrets.token_hex(3)}.tmp")
    try:
        os.symlink(run_dir.name, tmp)
        os.replace(tmp, link)
    except OSError:
        if tmp.is_symlink():
            tmp.unlink()
        if link.is_symlink():
            link.unlink()
        write_atomic(link, (run_dir.name + "\n").encode())


def resolve_run_dir(path: str | Path, report_dir: Path | None = None) -> Path:
    """A run directory from a path, `latest`, or a reports directory (its latest run)."""
    candidate = Path(path)
    if str(path) == LATEST:
        candidate = Path(report_dir or "reports") / LATEST
    if candidate.is_dir() and not (candidate / MANIFEST).exists() and (candidate / LATEST).exists():
        candidate = candidate / LATEST
    if candidate.is_file() and candidate.name == LATEST:
        candidate = candidate.parent / candidate.read_text().strip()
    resolved = candidate.resolve()
    if not (resolved / MANIFEST).exists():
        raise FileNotFoundError(f"{path}: not a run directory (no {MANIFEST})")
    return resolved
