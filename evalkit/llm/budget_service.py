"""The run's shared rate-limit budget: one pacer per endpoint, granted to every worker over 127.0.0.1.

`BudgetService` holds the state and answers the grant API (`take`, `observe`, `signal`,
`remaining`) with its own clock, so tickets never compare two processes' clocks; a Ray
actor can wrap the same class. `BudgetServer` serves it as JSON lines on a localhost TCP
port (a thread per worker connection, a shared token checked first); `BudgetConnection`
is a worker's side. Nothing here leaves the machine.
"""

from __future__ import annotations

import hmac
import json
import secrets
import socket
import socketserver
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from evalkit.llm.budget import terms_from_wire
from evalkit.llm.pacing import Cost, Pacer
from evalkit.llm.ratelimit_headers import Reading

LIVE_S = 5.0  # a worker that took nothing for this long no longer counts towards the concurrency split
CALL_TIMEOUT_S = 2.0  # a service slower than this is treated as gone


@dataclass
class _Endpoint:
    pacer: Pacer
    signals: int = 0
    granted: int = 0
    waits: int = 0
    seen: dict[int, float] = field(default_factory=dict)  # worker connection -> last take


class BudgetService:
    """One budget per endpoint key, shared by every caller. Thread-safe."""

    def __init__(self) -> None:
        self._endpoints: dict[str, _Endpoint] = {}
        self._lock = threading.Lock()

    def _endpoint(self, key: str, terms: list[Any]) -> _Endpoint:
        endpoint = self._endpoints.get(key)
        if endpoint is None:
            endpoint = self._endpoints[key] = _Endpoint(terms_from_wire(terms).pacer())
        return endpoint

    def handle(self, worker: int, request: dict[str, Any]) -> dict[str, Any]:
        op = request["op"]
        with self._lock:
            endpoint = self._endpoint(str(request["key"]), request["terms"])
            now = time.monotonic()
            if op == "take":
                return self._take(
                    endpoint, worker, Cost(int(request["input_tokens"]), int(request["output_tokens"])), now
                )
            if op == "observe":
                readings = [
                    Reading(d, lim, rem, reset, bool(absolute)) for d, lim, rem, reset, absolute in request["readings"]
                ]
                ticket = request.get("ticket")
                endpoint.pacer.observe(readings, ticket[0] if ticket else None, ticket[1] if ticket else None, now)
                return {}
            if op == "signal":
                endpoint.signals += 1
                if request.get("retry_after_s"):
                    endpoint.pacer.hold(float(request["retry_after_s"]), now)
                return {"signals": endpoint.signals}
            if op == "remaining":
                return {"remaining": endpoint.pacer.remaining(now), "run": self._figures(endpoint)}
        raise ValueError(f"unknown operation {op!r}")

    def _take(self, endpoint: _Endpoint, worker: int, cost: Cost, now: float) -> dict[str, Any]:
        endpoint.seen[worker] = now
        workers = sum(1 for t in endpoint.seen.values() if now - t <= LIVE_S)
        reply: dict[str, Any] = {"signals": endpoint.signals, "workers": max(1, workers)}
        wait = endpoint.pacer.delay(cost, now)
        if wait > 0:
            endpoint.waits += 1
            return {**reply, "wait_s": wait}
        endpoint.granted += 1
        return {**reply, "wait_s": 0.0, "ticket": {"started": now, "mark": endpoint.pacer.commit(cost, now)}}

    def figures(self) -> dict[str, dict[str, Any]]:
        """Per endpoint key: starts granted, waits told, rate-limit signals, workers seen."""
        with self._lock:
            return {k: self._figures(e) for k, e in self._endpoints.items()}

    @staticmethod
    def _figures(e: _Endpoint) -> dict[str, Any]:
        return {"granted": e.granted, "waits": e.waits, "signals": e.signals, "workers": len(e.seen)}


class _Handler(socketserver.StreamRequestHandler):
    server: _TCPServer

    def handle(self) -> None:
        with self.server.lock:
            self.server.connections.add(self.request)
        try:
            self._serve()
        except OSError:
            pass  # the worker went away (or the service is stopping): nothing to answer
        finally:
            with self.server.lock:
                self.server.connections.discard(self.request)

    def _serve(self) -> None:
        hello = self.rfile.readline()
        try:
            token = json.loads(hello).get("token", "")
        except ValueError:
            return
        if not hmac.compare_digest(str(token), self.server.token):
            return
        self._send({"ok": True})
        worker = id(self)
        for line in self.rfile:
            if self.server.stopped:
                return
            try:
                reply = self.server.service.handle(worker, json.loads(line))
            except (ValueError, KeyError, TypeError, IndexError) as err:
                reply = {"error": str(err)}
            self._send(reply)

    def _send(self, reply: dict[str, Any]) -> None:
        self.wfile.write(json.dumps(reply, separators=(",", ":")).encode() + b"\n")
        self.wfile.flush()


class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, service: BudgetService, token: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.service = service
        self.token = token
        self.lock = threading.Lock()
        self.connections: set[socket.socket] = set()
        self.stopped = False

    def close_connections(self) -> None:
        """Hang up on every worker, as the process ending would."""
        self.stopped = True
        with self.lock:
            for sock in list(self.connections):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class BudgetServer:
    """`BudgetService` on 127.0.0.1 (a free port), in a daemon thread, until `stop()`."""

    def __init__(self, service: BudgetService | None = None) -> None:
        self.service = service or BudgetService()
        self.token = secrets.token_hex(16)
        self._server = _TCPServer(self.service, self.token)
        self._thread = threading.Thread(target=self._server.serve_forever, name="evalkit-budget", daemon=True)

    @property
    def address(self) -> str:
        host, port = self._server.socket.getsockname()[:2]  # a TCP socket's (host, port)
        return f"{host}:{port}"

    def start(self) -> BudgetServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._server.close_connections()


class BudgetConnection:
    """A worker's connection to the budget service (one per process, calls serialised by a lock)."""

    def __init__(self, address: str, token: str, timeout_s: float = CALL_TIMEOUT_S) -> None:
        host, _, port = address.rpartition(":")
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"budget service address {address!r}: expected a 127.0.0.1 address")
        self._address = (host, int(port))
        self._token = token
        self._timeout_s = timeout_s
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._file: Any = None

    def call(self, op: str, **args: Any) -> dict[str, Any]:
        with self._lock:
            if self._file is None:
                self._connect()
            self._file.write(json.dumps({"op": op, **args}, separators=(",", ":")).encode() + b"\n")
            self._file.flush()
            line = self._file.readline()
        if not line:
            self.close()
            raise ConnectionError("budget service closed the connection")
        reply = json.loads(line)
        if "error" in reply:
            raise ValueError(f"budget service: {reply['error']}")
        return reply

    def _connect(self) -> None:
        sock = socket.create_connection(self._address, timeout=self._timeout_s)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        file = sock.makefile("rwb")
        file.write(json.dumps({"token": self._token}).encode() + b"\n")
        file.flush()
        if not json.loads(file.readline() or b"{}").get("ok"):
            sock.close()
            raise ConnectionError("budget service refused the token")
        self._sock, self._file = sock, file

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
        self._sock = self._file = None
