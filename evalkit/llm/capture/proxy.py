"""The capture proxy: a local HTTP endpoint that forwards an agent's model calls and keeps their trajectory.

One proxy per event loop (so one per run), on 127.0.0.1 and a free port. Each session opens its
own prefix, `http://127.0.0.1:PORT/s/<key>`, which an SDK client takes as its `base_url`; the rest
of the path (`/chat/completions`, `/v1/messages`, anything else) is appended to that session's
upstream (the real endpoint live, the fake server offline). Why a path prefix and not a port per
session: one listening socket and one connection pool serve hundreds of concurrent sessions, and
the key in the URL tells sessions apart even when their requests interleave on one connection.

Bodies are relayed as they arrive (SSE included) and copied aside; a chat call is read once it
is complete (`wires.py`). Headers are forwarded, never stored: API keys reach the upstream and
nothing else. An upstream that gives no answer (unreachable, connection reset, timed out) makes the
proxy drop the agent's connection too, so the agent's SDK raises and retries exactly as it would
against the endpoint itself (a 502 would read as the provider's fault and change its retry path);
an upstream error status is relayed unchanged. Either way the call is recorded with the reason.

With the run's cassette (`tape.py`): recording, each completed chat call is also written to it;
replaying, chat calls are answered from it and no request leaves the proxy (a call with no recording
drops the connection, as an upstream with no answer does, and keeps the reason on the call; any other
path is refused with a 404, since nothing but chat calls is recorded).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import httpx2

from evalkit.llm.capture.calls import CapturedCall
from evalkit.llm.capture.http import Head, read_body, read_head, write_chunk, write_head
from evalkit.llm.capture.tape import Recorded, Tape
from evalkit.llm.capture.wires import CaptureWire, sse_events, wire_for_path
from evalkit.security import redact

log = logging.getLogger(__name__)
PREFIX = "/s/"
_HOP = {
    "host",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "accept-encoding",
    "upgrade",
    "proxy-connection",
    "te",
    "trailer",
    "content-encoding",
}


@dataclass
class CaptureSession:
    """One session's prefix on the proxy: where its calls go, and what they did."""

    key: str
    upstream: str
    base_url: str
    by_wire: dict[str, str] = field(default_factory=dict)  # a chat call of this wire goes here instead
    tape: Tape = field(default_factory=Tape)  # the run's cassette: record to it, or replay from it
    calls: list[CapturedCall] = field(default_factory=list)
    _taken: int = 0

    def drain(self) -> list[CapturedCall]:
        """The calls completed since the last drain, in the order they completed."""
        new, self._taken = self.calls[self._taken :], len(self.calls)
        return new


class CaptureProxy:
    """Serve `/s/<key>/...` for every open session; `aclose()` stops listening and closes the pool."""

    def __init__(self, timeout_s: float = 600.0) -> None:
        self.sessions: dict[str, CaptureSession] = {}
        self._client = httpx2.AsyncClient(timeout=httpx2.Timeout(timeout_s, connect=10.0), follow_redirects=False)
        self._server: asyncio.Server | None = None
        self._connections: dict[asyncio.StreamWriter, asyncio.Task[Any]] = {}
        self.port = 0

    async def start(self) -> CaptureProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def open(self, upstream: str, by_wire: dict[str, str] | None = None, tape: Tape | None = None) -> CaptureSession:
        """A fresh prefix forwarding to `upstream` (a base URL, as an SDK client would take it).

        `by_wire` routes a chat call by the wire its path speaks (an agent whose factory was not told
        its provider still reaches the right endpoint); other paths go to `upstream`. `tape`: the run's
        cassette, recorded to or replayed from (replaying, nothing is forwarded).
        """
        key = secrets.token_urlsafe(9)
        wires = {wire: url.rstrip("/") for wire, url in (by_wire or {}).items()}
        session = CaptureSession(key, upstream.rstrip("/"), f"{self.url}{PREFIX}{key}", wires, tape or Tape())
        self.sessions[key] = session
        return session

    def close_session(self, session: CaptureSession) -> None:
        """Requests to a closed prefix are refused (a late call of a finished session is not its next one's)."""
        self.sessions.pop(session.key, None)

    async def aclose(self) -> None:
        """Idempotent, and safe when two closers overlap (stop_proxy and the loop's end): the first takes the server."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
            tasks = list(self._connections.values())
            for writer in list(self._connections):
                writer.close()  # an idle keep-alive connection reads EOF and its handler returns
            if tasks:
                await asyncio.wait(tasks, timeout=5.0)
            for task in tasks:
                task.cancel()
            self._connections.clear()
            await asyncio.sleep(0)  # let the closed transports release their sockets
            await server.wait_closed()
        await self._client.aclose()

    # ------------------------------------------------------------ serving

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Register the connection before its handler runs, so closing reaches one whose handler never started."""
        self._connections[writer] = asyncio.get_running_loop().create_task(self._serve(reader, writer))

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while (head := await read_head(reader)) is not None:
                body = await read_body(reader, head)
                if not await self._answer(head, body, writer):
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass  # the client went away or spoke something else than HTTP/1.1: nothing to answer
        except asyncio.CancelledError:
            pass  # the proxy is closing: a handler must not outlive it (3.11 would log the cancellation as an error)
        except Exception:  # one broken exchange must not end the proxy; the agent sees the connection drop
            log.warning("capture proxy: a connection failed", exc_info=True)
        finally:
            self._connections.pop(writer, None)
            writer.close()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await writer.wait_closed()  # the socket is closed before the loop (or the proxy) goes

    async def _answer(self, head: Head, body: bytes, writer: asyncio.StreamWriter) -> bool:
        """Forward one request; False when the connection must close (a relay broke off midway)."""
        key, _, rest = head.target.removeprefix(PREFIX).partition("/")
        session = self.sessions.get(key) if head.target.startswith(PREFIX) else None
        path = "/" + rest.partition("?")[0]
        wire = wire_for_path(path) if head.method == "POST" else None
        if session is None:
            await _refuse(
                writer, wire, 404, "evalkit capture proxy: no open session for this URL (finished, or never opened)"
            )
            return True
        if session.tape.replaying:
            return await self._replay(session, wire, path, body, writer)
        call = _start_call(wire, path, body)
        started = time.monotonic()
        base = session.by_wire.get(wire.name, session.upstream) if wire else session.upstream
        try:
            upstream = await self._client.send(
                self._client.build_request(
                    head.method, f"{base}/{rest}", headers=_forwarded(head.headers), content=body
                ),
                stream=True,
            )
        except httpx2.HTTPError as err:  # no answer at all: the agent sees its connection drop, as it would unproxied
            reason = f"evalkit capture proxy: upstream {base} unreachable: {type(err).__name__}: {err}"
            _finish(session, call, started, error=redact(reason), status=0)
            return False
        return await self._relay(session, call, upstream, writer, started, body)

    async def _replay(
        self, session: CaptureSession, wire: CaptureWire | None, path: str, body: bytes, writer: asyncio.StreamWriter
    ) -> bool:
        """Answer from the cassette; False when the connection must close (no recording: no answer)."""
        call = _start_call(wire, path, body)
        if wire is None or call is None:
            await _refuse(
                writer,
                None,
                404,
                f"evalkit capture proxy: replaying from a cassette, which records chat "
                f"calls only; nothing is recorded for {path}",
            )
            return True
        started, call.replayed = time.monotonic(), True
        answer = session.tape.play(wire.name, body)
        if isinstance(answer, str):
            _finish(session, call, started, status=0, error=redact(f"evalkit capture proxy: {answer}"))
            return False
        await write_head(
            writer, answer.status, "OK" if answer.status < 400 else "Error", [("content-type", answer.content_type)]
        )
        await write_chunk(writer, answer.body)
        await write_chunk(writer, b"")
        _read_response(call, answer)
        _finish(session, call, started, status=answer.status, error=call.error)
        return True

    async def _relay(
        self,
        session: CaptureSession,
        call: CapturedCall | None,
        upstream: httpx2.Response,
        writer: asyncio.StreamWriter,
        started: float,
        request: bytes,
    ) -> bool:
        copied: list[bytes] = []
        headers = [(k, v) for k, v in upstream.headers.multi_items() if k.lower() not in _HOP]
        try:
            await write_head(writer, upstream.status_code, upstream.reason_phrase, headers)
            async for chunk in upstream.aiter_raw():
                if not chunk:
                    continue  # an empty chunk would end the chunked body early
                if call is not None:
                    copied.append(chunk)
                await write_chunk(writer, chunk)
            await write_chunk(writer, b"")
        except (httpx2.HTTPError, ConnectionError) as err:
            _finish(
                session,
                call,
                started,
                status=upstream.status_code,
                error=redact(f"evalkit capture proxy: the response broke off: {type(err).__name__}: {err}"),
            )
            return False
        finally:
            await upstream.aclose()
        if call is not None:
            answer = Recorded(upstream.status_code, upstream.headers.get("content-type", ""), b"".join(copied))
            _read_response(call, answer)
            session.tape.record(call.wire, request, answer)
        _finish(session, call, started, status=upstream.status_code, error=call.error if call else None)
        return True


def _start_call(wire: CaptureWire | None, path: str, body: bytes) -> CapturedCall | None:
    """A chat call to read (None: forwarded only), with what its request says."""
    if wire is None:
        return None
    try:
        request = json.loads(body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        request = {}
    reading = wire.read_request(request if isinstance(request, dict) else {})
    results = [r.model_copy(update={"output": redact(r.output)}) for r in reading.tool_results]
    return CapturedCall(wire=wire.name, path=path, model=reading.model, stream=reading.stream, tool_results=results)


def _read_response(call: CapturedCall, answer: Recorded) -> None:
    wire, raw = wire_for_path(call.path), answer.body
    assert wire is not None
    if answer.status >= 400:
        call.error = redact(f"upstream answered {answer.status}: {raw[:300].decode('utf-8', 'replace')}")
        return
    if "text/event-stream" in answer.content_type:
        reading = wire.read_events(sse_events(raw))
    else:
        try:
            body = json.loads(raw or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            call.error = "upstream answered a body that is not JSON"
            return
        reading = wire.read_body(body if isinstance(body, dict) else {})
    call.model = reading.model or call.model
    call.text, call.tool_calls, call.usage = redact(reading.text), reading.tool_calls, reading.usage


def _finish(
    session: CaptureSession, call: CapturedCall | None, started: float, *, status: int, error: str | None
) -> None:
    if call is None:
        return
    call.status, call.error, call.latency_s = status, error, time.monotonic() - started
    session.calls.append(call)


def _forwarded(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The client's headers minus hop-by-hop ones; bodies travel unencoded so the copy can be read."""
    return [(k, v) for k, v in headers if k.lower() not in _HOP] + [("accept-encoding", "identity")]


async def _refuse(writer: asyncio.StreamWriter, wire: CaptureWire | None, status: int, message: str) -> None:
    payload: dict[str, Any] = wire.error_body(status, message) if wire else {"error": {"message": message}}
    data = json.dumps(payload).encode()
    await write_head(
        writer, status, "Bad Gateway" if status == 502 else "Not Found", [("content-type", "application/json")]
    )
    await write_chunk(writer, data)
    await write_chunk(writer, b"")
