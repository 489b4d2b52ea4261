"""Compare runs (or tiers of one run) paired by scenario and trial.

With more than two sides, every side is compared against the first. In each
pair, differences are **b minus a** (a = the first side); the non-inferiority
verdict tests the cheaper side (by agent cost per session) as the candidate
against the other as the reference, on `metric`, with `margin`.

Two tests of "no pass-rate difference" are shown: McNemar over paired trials
(it ignores that trials cluster by scenario) and the scenario-level sign-flip
test (`scenario_test`), which is the one that holds its size when the effect
differs between scenarios. Scenario verdicts are `evalkit.verdicts`', decided
per side with that side's gate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Literal

from pydantic import BaseModel, Field

from evalkit.judging.pairwise import PairwiseSummary
from evalkit.judging.verdict import Outcome
from evalkit.report.align import Alignment, ScenarioKey, alignment_for, choose_sides, unique_labels
from evalkit.report.comparability import check_comparable
from evalkit.report.criteria_delta import CriterionDelta, criterion_deltas
from evalkit.report.gates import run_verdict
from evalkit.report.pass_k import trials_per_scenario
from evalkit.report.routing import RoutingHint, routing_hint
from evalkit.report.rundata import ReportError, RunData, open_run
from evalkit.report.scenario_test import ScenarioTest, scenario_level_test
from evalkit.report.sides import DECIDED, SideStats, pass_values, score_values, side_stats
from evalkit.run.keys import tier_label
from evalkit.stats import (
    Bounds,
    DiffEstimate,
    McNemarResult,
    NonInferiority,
    newcombe_diff,
    non_inferiority,
    paired_bootstrap_diff,
    paired_pass_fail_test,
)
from evalkit.verdicts import ScenarioVerdict
from evalkit.verdicts.rows import TrialRecord

Metric = Literal["pass_rate", "score"]


class CompareConfig(BaseModel):
    margin: float = Field(default=0.05, ge=0, le=1)
    confidence: float = Field(default=0.95, gt=0.5, lt=1)
    metric: Metric = "pass_rate"
    allow_mismatch: bool = False
    tiers: list[str] | None = None
    n_resamples: int = 2000
    seed: int = 0


class Scorecard(BaseModel):
    """One scenario (or `overall`) compared between sides a and b."""

    scenario: str
    tags: list[str] = Field(default_factory=list)
    a: SideStats
    b: SideStats
    mcnemar: McNemarResult  # trial-level: pools paired trials as independent, ignoring clustering by scenario
    scenario_test: ScenarioTest | None = None  # scenario-level sign-flip test; None on a one-scenario card
    pass_diff: DiffEstimate  # b - a, pass rate, paired bootstrap (collapses over one scenario's few trials)
    pass_ci: Bounds  # b - a, pass rate, the interval shown: Newcombe for one scenario, else `pass_diff`
    score_diff: DiffEstimate  # b - a, mean score
    score_note: str | None = None  # why `score_diff`'s interval says less than it seems, e.g. no trial variation
    wins: int  # paired trials where b did better than a (pass beats fail, then higher score)
    ties: int
    losses: int
    verdict_a: str | None = None  # the scenario's verdict on side a (evalkit.verdicts); one-scenario cards only
    verdict_b: str | None = None
    flipped: str | None = None  # "a→b" scenario verdicts when they differ, e.g. "pass→fail"
    verdict: NonInferiority  # candidate vs reference on the chosen metric
    ni_diff: Bounds  # the interval (candidate - reference) the verdict was read from


class PairComparison(BaseModel):
    a: str
    b: str
    candidate: str
    reference: str
    candidate_by: str  # why this side is the candidate
    k: int | None = None  # pass@k / pass^k are shown at this k (trials per scenario) when >= 2
    overall: Scorecard
    scenarios: list[Scorecard]
    unmatched: list[str] = Field(default_factory=list)
    criteria: list[CriterionDelta] = Field(default_factory=list)
    routing: RoutingHint
    pairwise: PairwiseSummary | None = None  # filled by `add_pairwise` (--pairwise)


class Comparison(BaseModel):
    config: CompareConfig
    sides: list[str]
    by_tier: bool
    warnings: list[str] = Field(default_factory=list)
    pairs: list[PairComparison]


Groups = dict[ScenarioKey, list[TrialRecord]]
Verdicts = dict[ScenarioKey, ScenarioVerdict]


def _groups(side: RunData, align: Alignment) -> Groups:
    groups: Groups = defaultdict(list)
    for t in side.trials:
        groups[align.scenario_key(t)].append(t)
    return dict(groups)


def _trial_pairs(a: list[TrialRecord], b: list[TrialRecord]) -> list[tuple[TrialRecord, TrialRecord]]:
    by_trial = {t.trial: t for t in b}
    return [
        (t, by_trial[t.trial])
        for t in a
        if t.trial in by_trial and t.outcome in DECIDED and by_trial[t.trial].outcome in DECIDED
    ]


def _wtl(pairs: list[tuple[TrialRecord, TrialRecord]]) -> tuple[int, int, int]:
    """b's wins, ties and losses over paired trials: a pass beats a fail; equal outcomes go by score."""

    def rank(t: TrialRecord) -> tuple[bool, float]:
        return (t.outcome == Outcome.passed, t.score if t.score is not None else 0.0)

    wins = ties = losses = 0
    for x, y in pairs:
        (px, sx), (py, sy) = rank(x), rank(y)
        if px != py:
            wins, losses = wins + py, losses + px
        elif abs(sy - sx) <= 1e-9:
            ties += 1
        else:
            wins, losses = wins + (sy > sx), losses + (sy < sx)
    return wins, ties, losses


class _Pair:
    """Everything needed to score a set of scenarios for one pair of sides."""

    def __init__(
        self,
        a: RunData,
        b: RunData,
        ga: Groups,
        gb: Groups,
        cfg: CompareConfig,
        b_is_candidate: bool,
        verdicts: tuple[Verdicts, Verdicts],
        k: int | None,
    ):
        self.a, self.b, self.ga, self.gb, self.cfg = a, b, ga, gb, cfg
        self.b_is_candidate = b_is_candidate
        self.verdicts, self.k = verdicts, k

    def _diff(
        self,
        keys: list[ScenarioKey],
        values: Callable[[Sequence[TrialRecord]], list[float]],
        first: Groups,
        second: Groups,
    ) -> DiffEstimate:
        return paired_bootstrap_diff(
            {"/".join(k): values(first[k]) for k in keys},
            {"/".join(k): values(second[k]) for k in keys},
            self.cfg.confidence,
            self.cfg.n_resamples,
            self.cfg.seed,
        )

    def scorecard(self, name: str, keys: list[ScenarioKey]) -> Scorecard:
        pairs = [p for k in keys for p in _trial_pairs(self.ga[k], self.gb[k])]
        wins, ties, losses = _wtl(pairs)
        ni = self._ni_diff(keys)
        card = Scorecard(
            scenario=name,
            tags=sorted({tag for k in keys for t in self.ga[k] + self.gb[k] for tag in t.tags}),
            a=side_stats(self.a.label, {k: self.ga[k] for k in keys}, self.k),
            b=side_stats(self.b.label, {k: self.gb[k] for k in keys}, self.k),
            mcnemar=paired_pass_fail_test(
                [(x.outcome == Outcome.passed, y.outcome == Outcome.passed) for x, y in pairs]
            ),
            scenario_test=self._scenario_test(keys),
            pass_diff=(pass_diff := self._diff(keys, pass_values, self.ga, self.gb)),
            pass_ci=self._pass_ci(keys, pass_diff),
            score_diff=(score_diff := self._diff(keys, score_values, self.ga, self.gb)),
            score_note=_score_note(keys, score_diff),
            wins=wins,
            ties=ties,
            losses=losses,
            verdict=non_inferiority(ni, self.cfg.margin),  # type: ignore[arg-type]  # reads .low/.high only
            ni_diff=ni,
        )
        if len(keys) == 1:
            self._add_verdicts(keys[0], card)
        return card

    def _scenario_test(self, keys: list[ScenarioKey]) -> ScenarioTest | None:
        if len(keys) < 2:
            return None
        return scenario_level_test(
            {"/".join(k): pass_values(self.ga[k]) for k in keys},
            {"/".join(k): pass_values(self.gb[k]) for k in keys},
            self.cfg.confidence,
            self.cfg.n_resamples,
            self.cfg.seed,
        )

    def _pass_ci(self, keys: list[ScenarioKey], boot: DiffEstimate) -> Bounds:
        """b - a: Newcombe over one scenario's trials (its bootstrap collapses), the bootstrap over several."""
        if len(keys) == 1:
            a, b = pass_values(self.ga[keys[0]]), pass_values(self.gb[keys[0]])
            return newcombe_diff(int(sum(a)), len(a), int(sum(b)), len(b), self.cfg.confidence)
        return Bounds(mean_diff=boot.mean_diff, low=boot.low, high=boot.high, method=boot.method)

    def _ni_diff(self, keys: list[ScenarioKey]) -> Bounds:
        """Candidate minus reference: paired bootstrap over scenarios; Newcombe for one scenario's pass rate."""
        ref, cand = (self.ga, self.gb) if self.b_is_candidate else (self.gb, self.ga)
        if self.cfg.metric == "pass_rate" and len(keys) == 1:
            r, c = pass_values(ref[keys[0]]), pass_values(cand[keys[0]])
            return newcombe_diff(int(sum(r)), len(r), int(sum(c)), len(c), self.cfg.confidence)
        values = pass_values if self.cfg.metric == "pass_rate" else score_values
        d = self._diff(keys, values, ref, cand)
        return Bounds(mean_diff=d.mean_diff, low=d.low, high=d.high, method=d.method)

    def _add_verdicts(self, key: ScenarioKey, card: Scorecard) -> None:
        """Each side's scenario verdict as `evalkit.verdicts` decided it (its own gate, thresholds and all)."""
        va, vb = (v.get(key) for v in self.verdicts)
        card.verdict_a = va.outcome if va else None
        card.verdict_b = vb.outcome if vb else None
        if card.verdict_a and card.verdict_b and card.verdict_a != card.verdict_b:
            card.flipped = f"{card.verdict_a}→{card.verdict_b}"


def _score_note(keys: list[ScenarioKey], diff: DiffEstimate) -> str | None:
    """One scenario whose trials all scored alike per side: a zero-width bootstrap interval is no certainty."""
    if len(keys) == 1 and diff.low is not None and diff.low == diff.high:
        return "no trial variation"
    return None


def side_verdicts(side: RunData, align: Alignment) -> Verdicts:
    """Scenario verdicts of one side, decided by `evalkit.verdicts.decide_run`, keyed like its scenario groups."""
    verdict = run_verdict(side)
    return {align.key_of(s.suite, s.scenario_id, s.tier): s for s in verdict.scenarios}


def _pass_k_k(ga: Groups, gb: Groups, keys: list[ScenarioKey]) -> int | None:
    """k for pass@k / pass^k: trials per scenario, the smaller side's, so both sides are read at the same k."""
    k = min(trials_per_scenario({"/".join(key): g[key] for key in keys}) for g in (ga, gb))
    return k if k >= 2 else None


def compare_pair(a: RunData, b: RunData, align: Alignment, cfg: CompareConfig) -> PairComparison:
    ga, gb = _groups(a, align), _groups(b, align)
    keys = [k for k in ga if k in gb]
    unmatched = [align.label(k) for k in list(ga) + list(gb) if k not in ga or k not in gb]
    if not keys:
        raise ReportError(f"nothing to compare: {a.label} and {b.label} share no scenario")
    verdicts, k = (side_verdicts(a, align), side_verdicts(b, align)), _pass_k_k(ga, gb, keys)
    provisional = _Pair(a, b, ga, gb, cfg, True, verdicts, k).scorecard("overall", keys)
    ca, cb = provisional.a.agent_cost_per_session, provisional.b.agent_cost_per_session
    by_cost = ca is not None and cb is not None and ca != cb
    b_cand = not (ca is not None and cb is not None and ca < cb)  # b is the candidate unless a is strictly cheaper
    pair = _Pair(a, b, ga, gb, cfg, b_cand, verdicts, k)
    overall = pair.scorecard("overall", keys) if not b_cand else provisional
    scenarios = [pair.scorecard(align.label(k), [k]) for k in keys]
    candidate, reference = (b.label, a.label) if b_cand else (a.label, b.label)
    why = "lower agent cost per session" if by_cost else "listed second: agent costs are equal or unknown"
    return PairComparison(
        a=a.label,
        b=b.label,
        candidate=candidate,
        reference=reference,
        candidate_by=why,
        k=k,
        overall=overall,
        scenarios=scenarios,
        unmatched=unmatched,
        criteria=criterion_deltas(a, b, align, {"/".join(k) for k in keys}, cfg.confidence, cfg.n_resamples, cfg.seed),
        routing=routing_hint(overall, scenarios, candidate_is_b=b_cand),
    )


def named_tiers(run: RunData, names: list[str]) -> list[str]:
    """`--tiers` as the run names them: a short name (`gpt-4.1`) stands for the one tier it shortens, if unique."""
    have = run.tiers()

    def full(name: str) -> str:
        matches = [t for t in have if tier_label(t) == name]
        return name if name in have or len(matches) != 1 else matches[0]

    return [full(n) for n in names]


def resolve_sides(runs: list[RunData | str], cfg: CompareConfig) -> tuple[list[RunData], Alignment, list[str]]:
    """The sides to compare, how they align, and comparability warnings (raises unless `allow_mismatch`)."""
    opened = [open_run(r) for r in runs]
    tiers = named_tiers(opened[0], cfg.tiers) if cfg.tiers and len(opened) == 1 else cfg.tiers
    sides = choose_sides(opened, tiers)
    unique_labels(sides)
    warnings = check_comparable(sides, cfg.allow_mismatch)
    return sides, alignment_for(sides), warnings


def compare_runs(runs: list[RunData | str], cfg: CompareConfig | None = None) -> Comparison:
    """Compare each side against the first; raises ComparabilityError unless `allow_mismatch`."""
    cfg = cfg or CompareConfig()
    sides, align, warnings = resolve_sides(runs, cfg)
    pairs = [compare_pair(sides[0], side, align, cfg) for side in sides[1:]]
    for p in pairs:
        if p.unmatched:
            warnings.append(f"{p.a} vs {p.b}: scenarios on one side only, left out: {', '.join(p.unmatched)}")
    return Comparison(
        config=cfg, sides=[s.label for s in sides], by_tier=align.with_tier, warnings=warnings, pairs=pairs
    )
