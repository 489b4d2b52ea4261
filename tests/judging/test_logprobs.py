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


class _LogprobModel:
    """A ChatModel answering with fixed text and per-token logprobs (what OpenAI returns with logprobs=true)."""

    def __init__(self, text: str, logprobs: list[dict]):
        self.name, self.text, self.logprobs, self.configs = "openai:judge-lp", text, logprobs, []

    async def generate(self, messages, *, tools=None, output_schema=None, config=None):
        from evalkit.llm.types import ModelResponse

        self.configs.append(config)
        return ModelResponse(
            text=self.text, parsed=output_schema.model_validate_json(self.text), logprobs=self.logprobs
        )


class _Hub:
    def __init__(self, model):
        self._model = model

    def model(self, name, **_):
        return self._model


@pytest.mark.asyncio
async def test_judge_uses_geval_score_when_logprobs_come_back(refund_transcript):
    from judging_helpers import resolved_rubric

    from evalkit.judging import judge_transcript

    text = (
        '{"tone": {"reasoning": "ok", "evidence": [{"turn": 2, "quote": "I\'m sorry"}], "score": 4},'
        ' "done": {"reasoning": "yes", "evidence": [], "score": true}}'
    )
    top = {"4": math.log(0.6), "5": math.log(0.3), "3": math.log(0.1)}
    model = _LogprobModel(text, tokens(text, "4", top))
    rubric = resolved_rubric(
        {
            "id": "r",
            "version": 1,
            "judge": {"model": "openai:judge-lp", "logprob_scoring": True},
            "criteria": [
                {"id": "tone", "question": "Courteous?", "scale": {"min": 1, "max": 5}},
                {"id": "done", "question": "Done?"},
            ],
        }
    )
    verdict = await judge_transcript(refund_transcript, rubric, _Hub(model))
    tone, done = verdict.criteria
    assert tone.raw_score == pytest.approx(4.2) and "logprob_scored" in tone.flags
    assert tone.score == pytest.approx(0.8)
    assert done.raw_score == 1.0 and "logprob_scored" not in done.flags
    assert model.configs[0].logprobs is True and model.configs[0].top_logprobs == 10
