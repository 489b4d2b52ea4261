"""How the capture proxy reads each wire protocol: one `CaptureWire` per wire, in a registry.

Wires are named as providers name them (`Provider.wire` in evalkit.llm.providers), so every
OpenAI-compatible alias is read by the `openai` reader. A provider that brings its own wire may
bring a reader too (entry point group `evalkit.capture_wires`); its traffic is forwarded but not
read until it does. A request is read when its path ends with the wire's chat route.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from evalkit.llm.capture.calls import Reading, SeenToolResult
from evalkit.llm.types import Usage
from evalkit.registry import Registry


@dataclass(frozen=True)
class RequestReading:
    """What the request told: the model asked for, streaming or not, tool results sent back."""

    model: str
    stream: bool
    tool_results: list[SeenToolResult]


@dataclass(frozen=True)
class CaptureWire:
    """One wire protocol as the proxy reads it (parsers never raise on odd input: they read less)."""

    name: str
    routes: tuple[str, ...]  # path endings of the chat call, e.g. ("/chat/completions",)
    read_request: Callable[[dict[str, Any]], RequestReading]
    read_body: Callable[[dict[str, Any]], Reading]
    read_events: Callable[[list[tuple[str, str]]], Reading]  # SSE (event, data) pairs in order
    error_body: Callable[[int, str], dict[str, Any]]  # what the proxy answers when the upstream fails

    def handles(self, path: str) -> bool:
        return path.rstrip("/").endswith(self.routes)


CAPTURE_WIRES: Registry[CaptureWire] = Registry(
    "capture wire",
    "evalkit.capture_wires",
    modules=(
        "evalkit.llm.capture.openai_wire",
        "evalkit.llm.capture.openai_responses_wire",
        "evalkit.llm.capture.anthropic_wire",
    ),
)


def wire_for_path(path: str) -> CaptureWire | None:
    """The reader whose chat route `path` ends with (None: forwarded, not read)."""
    return next((e.value for e in CAPTURE_WIRES if e.value.handles(path)), None)


def sse_events(raw: bytes) -> list[tuple[str, str]]:
    """(event name, data) pairs of a complete SSE body; comments and keep-alives dropped."""
    out: list[tuple[str, str]] = []
    for block in raw.decode("utf-8", "replace").replace("\r\n", "\n").split("\n\n"):
        event, data = "", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
        if data:
            out.append((event, "\n".join(data)))
    return out


def json_objects(events: list[tuple[str, str]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each event's data parsed as a JSON object; others (`[DONE]`, broken lines) skipped."""
    for event, data in events:
        try:
            value = json.loads(data)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            yield event, value


def text_of(content: Any) -> str:
    """Message content as text: a string, or the text parts of a content list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return ""


def openai_usage(raw: Any, prefix: str) -> Usage | None:
    """OpenAI's usage object, of either API: `<prefix>_tokens` in and `completion`/`output` out; the input count
    includes the cached tokens (`<prefix>_tokens_details.cached_tokens`). prefix: "prompt" (chat) or "input"."""
    if not isinstance(raw, dict):
        return None
    details = raw.get(f"{prefix}_tokens_details")
    cached = int((details.get("cached_tokens") if isinstance(details, dict) else 0) or 0)
    output = raw.get("completion_tokens") if prefix == "prompt" else raw.get("output_tokens")
    return Usage(
        input_tokens=int(raw.get(f"{prefix}_tokens") or 0), output_tokens=int(output or 0), cached_input_tokens=cached
    )
