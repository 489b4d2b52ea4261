"""One judge request: send a rendered prompt, read the reply into per-criterion readings.

Everything that can go wrong with a judge call (model error after retries,
unparseable reply after repair, off-scale or missing scores, invented quotes)
ends up as an invalid reading with its reason; nothing here raises.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from evalkit.judging.evidence import describe_unsupported, is_weak, required_quotes, verify_evidence
from evalkit.judging.logprobs import weighted_score
from evalkit.judging.render import JudgePrompt
from evalkit.judging.schema import SampleScore, read_reply, verdict_model
from evalkit.judging.scoring import scale_bounds
from evalkit.llm.source import ModelSource
from evalkit.llm.types import GenerateConfig, ModelError, ModelResponse, Unparseable, Usage
from evalkit.spec.models import Criterion


class CallStats(BaseModel):
    """Usage of one judge request, for provenance and cost."""

    model: str
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float | None = 0.0
    cached: bool = False


class CallResult(BaseModel):
    model: str
    readings: dict[str, SampleScore]
    extras: list[str] = Field(default_factory=list)
    stats: CallStats | None = None  # None when no request completed


class CallPlan(BaseModel):
    """What to send: which model, which sample, how the verdict is checked."""

    model: str
    config: GenerateConfig
    base_url: str | None = None
    evidence_mode: str = "invalidate"  # invalidate | warn
    min_evidence: int | None = None  # None: 1 quote for binary criteria, 0 for scales
    logprob_scoring: bool = False


def all_invalid(criteria: list[Criterion], model: str, reason: str, flag: str) -> dict[str, SampleScore]:
    return {c.id: SampleScore(raw=None, flags=[flag], invalid_reason=reason, judge=model) for c in criteria}


def stats_of(model: str, response: ModelResponse | None) -> CallStats:
    if response is None:
        return CallStats(model=model, cost_usd=None)
    return CallStats(model=model, usage=response.usage, cost_usd=response.cost_usd, cached=response.cached)


async def request(
    hub: ModelSource, plan: CallPlan, prompt: JudgePrompt, schema: type[BaseModel]
) -> ModelResponse | Unparseable | str:
    """The raw hub call; a string is an infrastructure failure reason."""
    try:
        model = hub.model(plan.model, base_url=plan.base_url) if plan.base_url else hub.model(plan.model)
        return await model.generate(prompt.messages(), output_schema=schema, config=plan.config)
    except ModelError as exc:
        return f"judge model error after {exc.attempts} attempt(s): {exc}"
    except Exception as exc:  # noqa: BLE001 - a judge failure never crashes the run
        return f"judge call failed: {type(exc).__name__}: {exc}"


def check_reading(reading: SampleScore, prompt: JudgePrompt, plan: CallPlan, criterion: Criterion) -> SampleScore:
    """Verify the quotes of one reading: unsupported evidence invalidates it unless the rubric says warn;
    weak evidence (a short quote, too few quotes) is only flagged."""
    evidence = verify_evidence(reading.evidence, prompt.turns)
    reading = reading.model_copy(update={"evidence": evidence})
    if reading.raw is None:
        return reading
    if is_weak(evidence, required_quotes(plan.min_evidence, criterion.scale == "binary")):
        reading = reading.model_copy(update={"flags": [*reading.flags, "weak_evidence"]})
    if all(e.verified for e in evidence):
        return reading
    flags = [*reading.flags, "unsupported_evidence"]
    if plan.evidence_mode == "warn":
        return reading.model_copy(update={"flags": flags})
    return reading.model_copy(
        update={
            "raw": None,
            "flags": flags,
            "invalid_reason": f"unsupported_evidence: {describe_unsupported(evidence)}",
        }
    )


def apply_logprobs(reading: SampleScore, criterion: Criterion, response: ModelResponse) -> SampleScore:
    """G-Eval: replace a valid scale reading by the probability-weighted score when logprobs allow."""
    if reading.raw is None or criterion.scale == "binary":
        return reading
    weighted = weighted_score(response.text, response.logprobs, criterion.id, *scale_bounds(criterion))
    if weighted is None:
        return reading.model_copy(update={"flags": [*reading.flags, "logprobs_unavailable"]})
    return reading.model_copy(update={"raw": weighted, "flags": [*reading.flags, "logprob_scored"]})


async def judge_call(hub: ModelSource, plan: CallPlan, prompt: JudgePrompt, criteria: list[Criterion]) -> CallResult:
    """Ask one judge once about `criteria` and read its verdict."""
    reply = await request(hub, plan, prompt, verdict_model(criteria))
    if isinstance(reply, str):
        return CallResult(model=plan.model, readings=all_invalid(criteria, plan.model, reply, "infrastructure"))
    if isinstance(reply, Unparseable):
        reason = f"unparseable judge reply after repair: {reply.error}"
        return CallResult(
            model=plan.model,
            readings=all_invalid(criteria, plan.model, reason, "unparseable"),
            stats=stats_of(plan.model, reply.response),
        )
    parsed = reply.parsed if isinstance(reply.parsed, BaseModel) else None
    if parsed is None:
        reason = "unparseable judge reply: the model layer returned no structured output"
        return CallResult(
            model=plan.model,
            readings=all_invalid(criteria, plan.model, reason, "unparseable"),
            stats=stats_of(plan.model, reply),
        )
    readings, extras = read_reply(parsed, criteria, plan.model)
    checked = {}
    for criterion in criteria:
        reading = check_reading(readings[criterion.id], prompt, plan, criterion)
        checked[criterion.id] = apply_logprobs(reading, criterion, reply) if plan.logprob_scoring else reading
    return CallResult(model=plan.model, readings=checked, extras=extras, stats=stats_of(plan.model, reply))
