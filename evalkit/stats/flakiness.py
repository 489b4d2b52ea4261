"""Flaky scenarios: those whose valid trials disagree with each other."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict

# Accepts Outcome values ("pass"/"fail"/"invalid"/"error", a StrEnum compares equal), bools, or None.
TrialOutcome = str | bool | None


class FlakinessReport(BaseModel):
    """Which scenarios are flaky, and how common flakiness is."""

    model_config = ConfigDict(frozen=True)

    flaky: list[str]
    n_eligible: int  # scenarios with at least two valid trials (only those can disagree)
    rate: float | None  # len(flaky) / n_eligible; None when nothing is eligible


def _valid(outcome: TrialOutcome) -> bool | None:
    if outcome is None or isinstance(outcome, bool):
        return outcome
    value = str(outcome)
    if value not in ("pass", "fail", "invalid", "error"):
        raise ValueError(f"unknown trial outcome {outcome!r}; expected pass, fail, invalid or error")
    return None if value in ("invalid", "error") else value == "pass"


def flakiness(outcomes_by_scenario: Mapping[str, Sequence[TrialOutcome]]) -> FlakinessReport:
    """Find scenarios with both passing and failing valid trials.

    Use it to list scenarios whose verdict would flip between runs; invalid
    and error trials are ignored (they are neither pass nor fail). The rate's
    denominator counts only scenarios with two or more valid trials.
    """
    flaky: list[str] = []
    eligible = 0
    for name, outcomes in outcomes_by_scenario.items():
        valid = [v for v in map(_valid, outcomes) if v is not None]
        if len(valid) >= 2:
            eligible += 1
            if len(set(valid)) > 1:
                flaky.append(name)
    return FlakinessReport(flaky=flaky, n_eligible=eligible, rate=len(flaky) / eligible if eligible else None)


def flaky_scenarios(outcomes_by_scenario: Mapping[str, Sequence[TrialOutcome]]) -> list[str]:
    """Scenario ids whose valid trials disagree, in input order (see ``flakiness``)."""
    return flakiness(outcomes_by_scenario).flaky
