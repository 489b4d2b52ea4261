"""Provenance: enough to say exactly which judge, rubric and prompt produced a score."""

from __future__ import annotations

from typing import Any

from evalkit._version import __version__
from evalkit.judging.calls import CallStats
from evalkit.judging.verdict import Provenance
from evalkit.llm.costs import sum_costs
from evalkit.llm.types import Usage
from evalkit.spec.models import JudgeConfig


def evalkit_version() -> str:
    return __version__


def judge_params(rubric: Any, judge: JudgeConfig) -> dict[str, Any]:
    return {
        "temperature": judge.temperature,
        "samples": judge.samples,
        "max_tokens": judge.max_tokens,
        "logprob_scoring": judge.logprob_scoring,
        "granularity": rubric.rubric.granularity,
        "evidence": rubric.rubric.evidence,
        **({"min_evidence": judge.min_evidence} if judge.min_evidence is not None else {}),
    }


def make_provenance(rubric: Any, judge: JudgeConfig, template_hash: str | None) -> Provenance:
    spec = rubric.rubric
    return Provenance(
        rubric_id=spec.id,
        rubric_version=spec.version,
        rubric_fingerprint=rubric.fingerprint,
        judge_models=judge.models(),
        judge_params=judge_params(rubric, judge),
        template_hash=template_hash,
        evalkit_version=evalkit_version(),
    )


def total_usage(stats: list[CallStats]) -> tuple[Usage, float | None]:
    """Summed tokens, and cost (None as soon as one call's price is unknown)."""
    usage = sum((s.usage for s in stats), Usage())
    return usage, sum_costs(s.cost_usd for s in stats)
