"""`--evalkit-replay` without live mode: an agent that finds its endpoint in the environment calls nothing.

A replay answers evalkit's own calls (judge, simulator, model agents) and a captured SDK agent's calls
from the cassette. An SDK agent that reads only OPENAI_BASE_URL / ANTHROPIC_BASE_URL cannot be captured
(docs/capture.md), so its calls were never recorded; left alone it would call its real endpoint with
whatever key it holds, and a "replayed" run would spend money and change from run to run. So for the
run each remote provider's base-URL variable points at a local endpoint that refuses every request
with a message saying why (the agent's SDK raises, the session is recorded as invalid with that reason,
never a pass), and its key variable holds a placeholder, so no key is sent anywhere. evalkit's own
clients keep the endpoints they resolved before (`pinned`): their cache keys do not change.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from evalkit.plugin.environment import EnvironmentPatch
from evalkit.plugin.offline import DUMMY_KEY, DUMMY_KEYS

if TYPE_CHECKING:
    from evalkit.run import RunConfig

GUARD_PREFIX = "/env/"  # /env/<VARIABLE>/...: the refusal names the variable the agent read


def guards(replay: object, *, offline: bool, live: bool) -> bool:
    """Whether a run needs the guard: replaying, and neither offline (the fake server answers) nor live."""
    return replay is not None and not offline and not live


@contextmanager
def guarded(config: RunConfig, live: bool) -> Iterator[RunConfig]:
    """`evalkit.run_scenario` from Python: the run's config, with the guard up for its duration when it needs one."""
    if not guards(config.replay_path, offline=config.offline, live=live):
        yield config
        return
    guard = ReplayGuard(dict(config.base_urls))
    try:
        yield config.model_copy(update={"base_urls": {**guard.pinned, **config.base_urls}})
    finally:
        guard.close()


def refusal(variable: str) -> str:
    return (
        f"evalkit --evalkit-replay: this call reached evalkit through {variable}, which evalkit cannot capture, "
        "record or replay, so it was refused and nothing was sent (a replayed run calls no model). evalkit "
        "records and replays an agent whose factory takes a `base_url` parameter and is not shared "
        "(docs/capture.md); or run with --evalkit-live"
    )


class ReplayGuard:
    """The refusing endpoint and the environment changes of a replayed run; `close()` undoes both."""

    def __init__(self, configured: dict[str, str]) -> None:
        from evalkit.llm.config import HubConfig
        from evalkit.llm.endpoint import resolve_base_url
        from evalkit.llm.providers import remote_providers

        specs = [spec for spec in remote_providers() if spec.url_env]
        hub = HubConfig(base_urls=configured)
        self.pinned = {spec.name: resolve_base_url(spec.name, hub, None)[0] for spec in specs}
        self.refused = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="evalkit-replay-guard", daemon=True)
        self._thread.start()
        port = self._server.server_address[1]
        self._environment = EnvironmentPatch()
        for spec in specs:
            self._environment.set(spec.url_env, f"http://127.0.0.1:{port}{GUARD_PREFIX}{spec.url_env}")
            if spec.key_env:
                self._environment.set(spec.key_env, DUMMY_KEYS.get(spec.key_env, DUMMY_KEY))

    def count(self) -> None:
        with self._lock:
            self.refused += 1

    def close(self) -> None:
        self._environment.restore()
        self._server.shutdown()
        self._server.server_close()


def _handler(guard: ReplayGuard) -> type[BaseHTTPRequestHandler]:
    class Refuse(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _refuse(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            if length:
                self.rfile.read(length)  # the request is read, never kept
            guard.count()
            variable = self.path.removeprefix(GUARD_PREFIX).partition("/")[0] or "a base-URL variable"
            body = json.dumps(_error_body(self.path, refusal(variable))).encode()
            self.send_response(403)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _refuse

        def log_message(self, format: str, *args: Any) -> None:
            """Silent: the refusal reaches the agent's session, not stderr."""

    return Refuse


def _error_body(path: str, message: str) -> dict[str, Any]:
    """The error shape the calling SDK reads its message from (403 is not retried by either)."""
    if path.rstrip("/").endswith("/messages"):
        return {"type": "error", "error": {"type": "permission_error", "message": message}}
    return {"error": {"message": message, "type": "evalkit_replay", "code": "replay_refused"}}
