"""G-Eval scoring: a scale criterion's score as the probability-weighted mean over score tokens.

A sampled integer hides how sure the judge was; the distribution over the
candidate score tokens at the score position does not. Used only when the
provider returned logprobs; otherwise the sampled score stands (flagged).
"""

from __future__ import annotations

import math
import re
from typing import Any

_DIGITS = re.compile(r"\s*(-?\d+)[\s,}\"]*")


def score_offset(text: str, criterion_id: str) -> int | None:
    """Character offset of the score value of `criterion_id` in a JSON reply, if findable."""
    key = re.search(r'"' + re.escape(criterion_id) + r'"\s*:\s*\{', text)
    start = key.end() if key else 0
    if key is None and text.count('"score"') != 1:
        return None
    value = re.compile(r'"score"\s*:\s*"?').search(text, start)
    return value.end() if value else None


def _token_at(logprobs: list[dict[str, Any]], offset: int) -> dict[str, Any] | None:
    position = 0
    for entry in logprobs:
        token = str(entry.get("token", ""))
        if position <= offset < position + len(token):
            return entry
        position += len(token)
    return None


def weighted_score(
    text: str, logprobs: list[dict[str, Any]] | None, criterion_id: str, low: int, high: int
) -> float | None:
    """Probability-weighted mean over the integer tokens low..high at the score position; None if unavailable."""
    if not logprobs:
        return None
    offset = score_offset(text, criterion_id)
    entry = _token_at(logprobs, offset) if offset is not None else None
    if entry is None:
        return None
    candidates = dict(entry.get("top") or {})
    candidates.setdefault(str(entry.get("token", "")), entry.get("logprob", 0.0))
    weights: dict[int, float] = {}
    for token, logprob in candidates.items():
        match = _DIGITS.fullmatch(token)
        if match and low <= int(match.group(1)) <= high and logprob is not None:
            value = int(match.group(1))
            weights[value] = weights.get(value, 0.0) + math.exp(logprob)
    total = sum(weights.values())
    if total <= 0:
        return None
    return sum(v * p for v, p in weights.items()) / total
