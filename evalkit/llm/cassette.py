"""Record model exchanges to a JSONL cassette and replay them with zero network calls.

One line per exchange: {"key", "request": normalised request, "response"}.
Keys and auth headers are never part of the normalised request; secrets in messages and answers are redacted.
"""

from __future__ import annotations

import difflib
import json
import os
import threading
from pathlib import Path
from typing import Any

from evalkit.llm.keys import cassette_key
from evalkit.llm.request import LLMRequest
from evalkit.llm.types import ErrorKind, ModelError, ModelResponse
from evalkit.security import redact

_RESPONSE_EXCLUDE = {"parsed", "cached", "cost_usd", "latency_s", "attempts"}


class CassetteWriter:
    """Appends one line per exchange with a single write, so concurrent writers never interleave."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd: int | None = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._lock = threading.Lock()

    def write(self, request: LLMRequest, response: ModelResponse) -> None:
        self.write_entry(
            cassette_key(request), request.normalised(), response.model_dump(mode="json", exclude=_RESPONSE_EXCLUDE)
        )

    def write_entry(self, key: str, request: dict[str, Any], response: dict[str, Any]) -> None:
        """One exchange under `key`; the capture proxy writes an SDK agent's calls this way (evalkit.llm.capture.tape)."""
        line = redact(json.dumps({"key": key, "request": request, "response": response}, ensure_ascii=False))
        # the key is the unredacted request's digest, so replay still finds it
        with self._lock:
            if self._fd is not None:
                os.write(self._fd, (line + "\n").encode())

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


class Cassette:
    """Recorded exchanges by request key; repeats of one key are served in order, then the last repeats."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._by_key: dict[str, list[dict[str, Any]]] = {}
        self._requests: dict[str, dict[str, Any]] = {}
        self._served: dict[str, int] = {}
        self._lock = threading.Lock()
        self._load()

    def _load(self) -> None:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ModelError(
                ErrorKind.no_recording, f"cannot read cassette {self.path}: {exc.strerror}", attempts=0
            ) from None
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                key = entry["key"]
                self._by_key.setdefault(key, []).append(entry["response"])
                self._requests.setdefault(key, entry["request"])
            except (json.JSONDecodeError, KeyError, TypeError):
                raise ModelError(
                    ErrorKind.no_recording, f"{self.path}:{number}: not a cassette entry", attempts=0
                ) from None

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_key.values())

    def lookup(self, request: LLMRequest) -> ModelResponse:
        """The recorded response, or ModelError(no_recording) showing the nearest recording as a diff."""
        entry = self.lookup_entry(cassette_key(request))
        if entry is not None:
            return ModelResponse.model_validate(entry)
        wanted = request.normalised()
        head = f"no recording in {self.path} for this {wanted['provider']}:{wanted['model']} request"
        raise ModelError(ErrorKind.no_recording, self.miss_message(head, wanted), attempts=0)

    def lookup_entry(self, key: str) -> dict[str, Any] | None:
        """The recorded response under `key` as stored (repeats in order, then the last again); None: not recorded."""
        with self._lock:
            responses = self._by_key.get(key)
            if not responses:
                return None
            index = self._served.get(key, 0)
            self._served[key] = index + 1
            return responses[min(index, len(responses) - 1)]

    def miss_message(self, head: str, wanted: dict[str, Any]) -> str:
        """`head`, then a diff against the recorded request most like `wanted` (of the same kind: same keys)."""
        candidates = [r for r in self._requests.values() if isinstance(r, dict) and r.keys() == wanted.keys()]
        if not candidates:
            return head + (" (the cassette is empty)" if not self._requests else " (nothing like it is recorded)")
        wanted_lines = _pretty(wanted)
        nearest = max(candidates, key=lambda r: _similarity(wanted_lines, _pretty(r)))
        diff = difflib.unified_diff(
            _pretty(nearest), wanted_lines, "nearest recorded request", "this request", lineterm="", n=2
        )
        return head + "; diff against the nearest recording:\n" + "\n".join(diff)


def _pretty(request: dict[str, Any]) -> list[str]:
    return json.dumps(request, indent=2, sort_keys=True, ensure_ascii=False).splitlines()


def _similarity(a: list[str], b: list[str]) -> float:
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return matcher.ratio()
