"""Content addresses of requests: the cache key includes the endpoint's identity, the cassette key does not."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from evalkit.llm.request import LLMRequest


def canonical_json(payload: Any) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def digest(payload: Any) -> str:
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


def cache_key(request: LLMRequest, endpoint: str) -> str:
    """Same provider, endpoint, model, messages, tools, schema and params => same answer may be reused.

    `endpoint` is the endpoint's identity (`evalkit.llm.endpoint_identity`): a configured base URL without
    credentials, or the stable name of a local stand-in (`offline:<rules fingerprint>`), never an ephemeral port.
    """
    payload = request.normalised()
    payload["base_url"] = endpoint
    return digest(payload)


def cassette_key(request: LLMRequest) -> str:
    """Endpoint-independent, so a cassette recorded against one server replays anywhere."""
    return digest(request.normalised())
