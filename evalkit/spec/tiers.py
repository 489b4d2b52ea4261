"""Agent tiers written as `provider:model` or `{model, base_url}`: the mapping form names the tier's endpoint.

Every consumer of `Suite.agent_models` wants tier names (ids, artifacts, history), so the mapping form is split
on load: the names stay in `agent_models` and the endpoints go to `tier_base_urls` (tier name -> base URL).
"""

from __future__ import annotations

from typing import Any

from evalkit.spec.problems import LocatedValueError

TIER_KEYS = ("model", "base_url")
TIER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "model": {"type": "string", "description": "provider:model, e.g. openai:llama3.1:8b"},
        "base_url": {"type": "string", "description": "The tier's endpoint, e.g. http://localhost:11434/v1"},
    },
    "required": ["model"],
    "additionalProperties": False,
}


def split_tiers(data: Any) -> Any:
    """Turn mapping tiers into names plus `tier_base_urls`; strings and anything malformed pass on unchanged."""
    if not isinstance(data, dict) or not isinstance(data.get("agent_models"), list):
        return data
    names: list[Any] = []
    urls: dict[str, str] = {}
    for index, entry in enumerate(data["agent_models"]):
        if isinstance(entry, dict):
            name, url = _tier(entry, index)
            names.append(name)
            if url:
                urls[name] = url
        else:
            names.append(entry)
    return {**data, "agent_models": names, "tier_base_urls": {**(data.get("tier_base_urls") or {}), **urls}}


def _tier(entry: dict[Any, Any], index: int) -> tuple[str, str | None]:
    for key in entry:
        if key not in TIER_KEYS:
            raise LocatedValueError(
                f"unknown key {key!r} in an agent tier (expected model, base_url)",
                ("agent_models", index, key),
                at_key=True,
            )
    name, url = entry.get("model"), entry.get("base_url")
    if not isinstance(name, str) or ":" not in name:
        raise LocatedValueError(
            "expected model: provider:model (a string, e.g. openai:llama3.1:8b)",
            ("agent_models", index) + (("model",) if "model" in entry else ()),
        )
    if url is not None and (not isinstance(url, str) or not url.startswith(("http://", "https://"))):
        raise LocatedValueError(f"expected base_url: an http(s) URL, got {url!r}", ("agent_models", index, "base_url"))
    return name, url
