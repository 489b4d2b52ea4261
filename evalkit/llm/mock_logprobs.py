"""Deterministic token logprobs for scripted replies, so logprob-based scoring can be tested offline."""

from __future__ import annotations

import re
from typing import Any

# Digits one by one (as real tokenizers treat small numbers), words, whitespace runs, single symbols.
_TOKEN = re.compile(r"\d|[^\W\d]+|\s+|[^\w\s]")


def tokens(text: str) -> list[str]:
    """Split text into tokens whose concatenation is exactly the text."""
    return _TOKEN.findall(text)


def scripted_logprobs(
    text: str, alternatives: dict[str, dict[str, float]] | None, top_n: int | None
) -> list[dict[str, Any]]:
    """Per token: {token, logprob, top}; a token listed in `alternatives` gets that distribution.

    The emitted token's own logprob is taken from its alternatives (default 0.0, i.e. certain).
    """
    out = []
    for token in tokens(text):
        top = dict((alternatives or {}).get(token) or {token: 0.0})
        top.setdefault(token, max(top.values()))
        ranked = dict(sorted(top.items(), key=lambda kv: kv[1], reverse=True)[: top_n or 1])
        out.append({"token": token, "logprob": top[token], "top": ranked})
    return out
