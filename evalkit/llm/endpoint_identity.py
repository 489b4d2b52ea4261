"""What the response cache calls an endpoint: the server that decides the answer, not where it happened to listen.

A configured base URL (a hosted API, a local vLLM on :8000) is its own identity, so two servers
never share entries. A local stand-in started for one run (the offline endpoint, a FakeLLMServer
on a random port) is named by what decides its answers instead: `offline:<rules fingerprint>`,
given in `HubConfig.endpoint_ids`, so the next offline run of the same rules hits the same entries.
Credentials in a URL (`https://user:secret@host`) never enter a key.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from evalkit.llm.keys import canonical_json
from evalkit.llm.mock_rules import Rule

OFFLINE = "offline"


def endpoint_identity(base_url: str, aliases: Mapping[str, str] | None = None) -> str:
    """The name cache keys use for `base_url`: its alias when one is given, else the URL without credentials."""
    url = base_url.rstrip("/")
    alias = next((name for given, name in (aliases or {}).items() if given.rstrip("/") == url), None)
    return alias if alias else _without_credentials(url)


def _without_credentials(url: str) -> str:
    """Scheme and host lower-cased (they are case-insensitive), user and password dropped; port, path, query kept."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # not a URL we can take apart: keyed as given
        return url
    if not parts.netloc:
        return url
    host = (parts.hostname or "").lower()
    netloc = f"[{host}]" if ":" in host else host
    netloc += f":{port}" if port is not None else ""
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, ""))


def offline_identity(rules: Iterable[Rule]) -> str:
    """`offline:<fingerprint>` of the rules an offline endpoint answers from."""
    return f"{OFFLINE}:{rules_fingerprint(rules)}"


def rules_fingerprint(rules: Iterable[Rule]) -> str:
    """16 hex digits over the rules (in order) and the source of each `module:function` handler they name.

    A changed rule or handler changes what the fake endpoint answers, so it must change the key;
    the same rules served on another port must not.
    """
    rows: list[Any] = []
    sources: dict[str, str] = {}
    for rule in rules:
        row = rule.model_dump(mode="json", by_alias=True, exclude_none=True, exclude={"handler"})
        handler = rule.handler
        if handler is not None:
            row["handler"] = handler if isinstance(handler, str) else _callable_name(handler)
            module = row["handler"].partition(":")[0]
            sources.setdefault(module, _source_digest(module))
        rows.append(row)
    payload = canonical_json({"rules": rows, "handlers": sources})
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _callable_name(handler: Any) -> str:
    return f"{getattr(handler, '__module__', '?')}:{getattr(handler, '__qualname__', repr(handler))}"


def _source_digest(module: str) -> str:
    """sha256 of the handler module's file, or "" when it cannot be found (then only its name is keyed)."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return ""
    origin = getattr(spec, "origin", None) if spec is not None else None
    if not origin or not Path(origin).is_file():
        return ""
    return hashlib.sha256(Path(origin).read_bytes()).hexdigest()
