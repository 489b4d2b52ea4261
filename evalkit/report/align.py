"""Sides of a comparison and how their trials line up.

A side is a run, or one tier of a run. Trials are paired by suite, scenario,
trial index and (when every side ran the same tiers) tier; scenarios are
paired by the same key without the trial index.
"""

from __future__ import annotations

from dataclasses import dataclass

from evalkit.report.rundata import ReportError, RunData
from evalkit.verdicts.rows import TrialRecord

ScenarioKey = tuple[str, ...]
TrialKey = tuple[ScenarioKey, int]


@dataclass
class Alignment:
    """How to key trials so the same session of two sides meets."""

    with_tier: bool
    single_suite: bool = False

    def label(self, key: ScenarioKey) -> str:
        """`scenario` (one suite) or `suite/scenario`, plus `[tier]` when keyed by tier."""
        base = key[1] if self.single_suite else f"{key[0]}/{key[1]}"
        return f"{base}[{key[2]}]" if len(key) > 2 else base

    def scenario_key(self, t: TrialRecord) -> ScenarioKey:
        return self.key_of(t.suite, t.scenario_id, t.tier)

    def key_of(self, suite: str, scenario_id: str, tier: str) -> ScenarioKey:
        return (suite, scenario_id, tier) if self.with_tier else (suite, scenario_id)

    def trial_key(self, t: TrialRecord) -> TrialKey:
        return (self.scenario_key(t), t.trial)


def choose_sides(runs: list[RunData], tiers: list[str] | None = None) -> list[RunData]:
    """Runs to compare as given; or the tiers of a single run (named, or all when it has several)."""
    if tiers:
        if len(runs) != 1:
            raise ReportError("--tiers compares tiers inside ONE run; give a single run directory")
        named = list(dict.fromkeys(tiers))
        if len(named) < 2:
            raise ReportError(f"--tiers needs two or more different tiers (got {', '.join(named)})")
        return [runs[0].select_tier(t) for t in named]
    if len(runs) == 1:
        found = runs[0].tiers()
        if len(found) < 2:
            raise ReportError(f"{runs[0].path}: only one tier ({', '.join(found) or 'none'}); give two runs to compare")
        return [runs[0].select_tier(t) for t in found]
    return runs


def alignment_for(sides: list[RunData]) -> Alignment:
    """Key by tier when every side ran the same tiers; ignore tier when each side ran a single one."""
    tier_sets = [tuple(sorted(s.tiers())) for s in sides]
    single = len({t.suite for s in sides for t in s.trials}) <= 1
    if all(len(ts) <= 1 for ts in tier_sets):
        return Alignment(with_tier=False, single_suite=single)
    if len(set(tier_sets)) == 1:
        return Alignment(with_tier=True, single_suite=single)
    listing = "; ".join(f"{s.label}: {', '.join(ts)}" for s, ts in zip(sides, tier_sets, strict=True))
    raise ReportError(f"the runs ran different tiers ({listing}); compare tiers of one run with --tiers")


def unique_labels(sides: list[RunData]) -> None:
    """Give sides distinct labels (two runs of the same tier would otherwise read alike)."""
    seen: dict[str, int] = {}
    for side in sides:
        count = seen.get(side.label, 0)
        seen[side.label] = count + 1
        if count:
            side.label = f"{side.label}#{count + 1}"
