"""An SDK agent's chat calls in the run's cassette: recorded beside the judge's and simulator's, replayed offline.

`--evalkit-record` writes each completed chat call the proxy relays (status below 400) as one cassette line;
`--evalkit-replay` answers every chat call from those lines and never contacts an upstream. A line:

    {"key": ..., "request": {"capture": "<wire>", "body": <the request JSON>},
     "response": {"status": 200, "content_type": "...", "body": "<the response bytes as text>"}}

The key is a digest of the wire and the request body parsed as JSON (so formatting does not matter): never
a header, so never a key; never the URL, so a cassette recorded against one endpoint replays anywhere. A
streamed answer is stored as the SSE text the upstream sent and replayed as such. Repeats of one request
are served in recorded order, then the last again (as for every cassette entry).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from evalkit.llm.cassette import Cassette, CassetteWriter
from evalkit.llm.keys import digest


@dataclass(frozen=True)
class Recorded:
    """A response as the upstream gave it: what replay writes back to the agent."""

    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True)
class Tape:
    """The run's cassette as a session's proxy prefix uses it: replay from one, record to one, or neither."""

    replay: Cassette | None = None
    recorder: CassetteWriter | None = None

    @property
    def replaying(self) -> bool:
        return self.replay is not None

    def play(self, wire: str, body: bytes) -> Recorded | str:
        """The recorded response to this request, or why there is none (with the nearest recording as a diff)."""
        assert self.replay is not None
        request = _request(wire, body)
        entry = self.replay.lookup_entry(digest(request))
        if isinstance(entry, dict) and isinstance(entry.get("body"), str):
            return Recorded(
                int(entry.get("status") or 200),
                str(entry.get("content_type") or "application/json"),
                entry["body"].encode("utf-8"),
            )
        model = request["body"].get("model", "?") if isinstance(request["body"], dict) else "?"
        head = f"no recording in {self.replay.path} for this {wire} call of the agent (model {model})"
        return self.replay.miss_message(head, request)

    def record(self, wire: str, body: bytes, answer: Recorded) -> None:
        if self.recorder is None or answer.status >= 400:
            return
        response = {
            "status": answer.status,
            "content_type": answer.content_type,
            "body": answer.body.decode("utf-8", "replace"),
        }
        request = _request(wire, body)
        self.recorder.write_entry(digest(request), request, response)


def _request(wire: str, body: bytes) -> dict[str, Any]:
    """What identifies a chat call: its wire and its body (the raw text when it is not JSON)."""
    try:
        parsed: Any = json.loads(body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        parsed = body.decode("utf-8", "replace")
    return {"capture": wire, "body": parsed}
