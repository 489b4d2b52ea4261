"""evalkit.judging: scoring transcripts against versioned rubrics and deterministic checks.

Public API: `judge_transcript`, `run_checks`, plus the verdict models and the
documented rules, quotable as text: `SCORING_RULE` (criterion and rubric
arithmetic) and `AGGREGATION_RULE` (samples and panels). The trial outcome rule
lives in `evalkit.verdicts` (`decide_trial`, `DECISION_RULE`).
"""

from evalkit.judging.aggregate import AGGREGATION_RULE
from evalkit.judging.checks import evaluate_check, run_checks
from evalkit.judging.claims import compare_claims
from evalkit.judging.evidence import quote_in_text, verify_evidence
from evalkit.judging.judge import NO_JUDGE, judge_transcript, resolve_judge
from evalkit.judging.render import JudgePrompt, RenderError, render_claims_prompt, render_judge_prompt, template_hash
from evalkit.judging.schema import Claim, ClaimList, verdict_model
from evalkit.judging.scoring import SCORING_RULE, normalise_score, score_rubric
from evalkit.judging.turns import TurnView, numbered_turns
from evalkit.judging.verdict import CriterionScore, Evidence, Outcome, Provenance, RubricVerdict, TrialVerdict

__all__ = [
    "AGGREGATION_RULE",
    "NO_JUDGE",
    "SCORING_RULE",
    "Claim",
    "ClaimList",
    "CriterionScore",
    "Evidence",
    "JudgePrompt",
    "Outcome",
    "Provenance",
    "RenderError",
    "RubricVerdict",
    "TrialVerdict",
    "TurnView",
    "compare_claims",
    "evaluate_check",
    "judge_transcript",
    "normalise_score",
    "numbered_turns",
    "quote_in_text",
    "render_claims_prompt",
    "render_judge_prompt",
    "resolve_judge",
    "run_checks",
    "score_rubric",
    "template_hash",
    "verdict_model",
    "verify_evidence",
]
