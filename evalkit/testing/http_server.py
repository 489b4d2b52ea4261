"""A minimal asyncio HTTP/1.1 server with keep-alive, run in a background thread.

Hand-written because the fake must sustain hundreds of concurrent connections
with injected latency without becoming the bottleneck, and must be able to
misbehave (reset sockets, hang, send broken bodies) in ways frameworks forbid.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
    529: "Overloaded",
}


@dataclass(slots=True)
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(slots=True)
class HttpResponse:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    events: list[bytes] | None = None  # SSE: sent one by one, then the connection closes
    reset: bool = False  # close the socket abruptly without answering

    @classmethod
    def json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> HttpResponse:
        return cls(status=status, body=json.dumps(payload).encode(), headers=headers or {})


AppHandler = Callable[[HttpRequest], Awaitable[HttpResponse]]


class BackgroundHttpServer:
    """Serve `app` on 127.0.0.1 (random free port) from a thread with its own event loop."""

    def __init__(self, app: AppHandler, host: str = "127.0.0.1", port: int = 0) -> None:
        self._app, self._host, self._port = app, host, port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    def start(self) -> None:
        ready = threading.Event()
        errors: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, args=(ready, errors), name="evalkit-fake-llm", daemon=True)
        self._thread.start()
        ready.wait(10)
        if errors:
            raise errors[0]

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._loop = self._thread = None

    def _run(self, ready: threading.Event, errors: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            self._server = loop.run_until_complete(
                asyncio.start_server(self._serve_connection, self._host, self._port, backlog=2048)
            )
            self.port = self._server.sockets[0].getsockname()[1]
        except BaseException as exc:  # noqa: BLE001 - re-raised by start() in the caller's thread
            errors.append(exc)
            ready.set()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        prefix = b""
        try:
            while True:
                keep_alive, prefix = await self._serve_one(reader, writer, prefix)
                if not keep_alive:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError, ValueError):
            pass
        except asyncio.CancelledError:  # server shutting down: end quietly
            pass
        finally:
            self._tasks.discard(task)
            if not writer.is_closing():
                writer.close()

    async def _serve_one(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, prefix: bytes
    ) -> tuple[bool, bytes]:
        """Serve one request; returns (keep the connection, bytes already read of the next request)."""
        head = prefix + await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if line:
                key, _, value = line.partition(":")
                headers[key.strip().lower()] = value.strip()
        body = await _read_body(reader, headers)
        request = HttpRequest(method, target.split("?", 1)[0], headers, body)
        response, prefix = await _unless_client_leaves(self._app(request), reader)
        if response is None:  # the client gave up (timeout, cancel): stop working on its request
            return False, b""
        if response.reset:
            _abort(writer)
            return False, b""
        if response.events is not None:
            await _write_events(writer, response)
            return False, b""
        writer.write(_head(response, len(response.body), keep_alive=True) + response.body)
        await writer.drain()
        return headers.get("connection", "").lower() != "close", prefix


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if headers.get("transfer-encoding", "").lower() != "chunked":
        length = int(headers.get("content-length", "0"))
        return await reader.readexactly(length) if length else b""
    chunks: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0].strip(), 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)


async def _unless_client_leaves(
    work: Awaitable[HttpResponse], reader: asyncio.StreamReader
) -> tuple[HttpResponse | None, bytes]:
    """Run the handler while watching the socket, so a hung request ends when its client disconnects.

    Returns the response (None if the client closed first) and any byte of a pipelined next request.
    """
    job = asyncio.ensure_future(work)
    watch = asyncio.ensure_future(reader.read(1))
    await asyncio.wait((job, watch), return_when=asyncio.FIRST_COMPLETED)
    if watch.done() and not watch.cancelled() and watch.exception() is None and watch.result():
        return await job, watch.result()  # pipelining: keep the byte for the next request
    if not job.done():
        job.cancel()
        await asyncio.gather(job, return_exceptions=True)
        return None, b""
    watch.cancel()
    await asyncio.gather(watch, return_exceptions=True)
    return job.result(), b""


def _head(response: HttpResponse, length: int | None, keep_alive: bool) -> bytes:
    reason = _REASONS.get(response.status, "Error")
    lines = [f"HTTP/1.1 {response.status} {reason}", f"content-type: {response.content_type}"]
    if length is not None:
        lines.append(f"content-length: {length}")
    lines.append("connection: keep-alive" if keep_alive else "connection: close")
    lines.extend(f"{k}: {v}" for k, v in response.headers.items())
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _write_events(writer: asyncio.StreamWriter, response: HttpResponse) -> None:
    writer.write(_head(response, None, keep_alive=False))
    for event in response.events or []:
        writer.write(event)
        await writer.drain()
    writer.close()


def _abort(writer: asyncio.StreamWriter) -> None:
    """Close with RST so the client sees a reset connection, not a clean end."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    writer.transport.abort()
