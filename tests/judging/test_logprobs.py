"""G-Eval: probability-weighted score over the score tokens."""

from __future__ import annotations

import math

import pytest

from evalkit.judging.logprobs import weighted_score

TEXT = '{"tone": {"reasoning": "ok", "evidence": [], "score": 4}}'


def tokens(text: str, at: str, top: dict[str, float]) -> list[dict]:
    """Tokenise into single characters, except `at` (the score) which carries `top`."""
    index = text.index('"score": ') + len('"score": ')
    out = [{"token": ch, "logprob": 0.0, "top": {}} for ch in text[:index]]
    out.append({"token": at, "logprob": top.get(at, -1.0), "top": top})
    out += [{"token": ch, "logprob": 0.0, "top": {}} for ch in text[index + len(at) :]]
    return out


def test_weighted_mean_over_score_tokens():
    top = {"4": math.log(0.6), "5": math.log(0.3), "3": math.log(0.1), "x": math.log(0.5)}
    assert weighted_score(TEXT, tokens(TEXT, "4", top), "tone", 1, 5) == pytest.approx(4.2)


def test_tokens_outside_the_scale_are_ignored():
    top = {"4": math.log(0.5), "9": math.log(0.5)}
    assert weighted_score(TEXT, tokens(TEXT, "4", top), "tone", 1, 5) == pytest.approx(4.0)


def test_absent_logprobs_give_none():
    assert weighted_score(TEXT, None, "tone", 1, 5) is None
    assert weighted_score(TEXT, [], "tone", 1, 5) is None
