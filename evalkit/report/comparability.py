"""Can two sides be compared? Same rubrics (by fingerprint), simulator and judge.

The comparison itself lives in `evalkit.verdicts.comparability` (the regression
gate refuses on the same differences); this module turns it into compare's
error or warnings.
"""

from __future__ import annotations

from evalkit.report.rundata import ReportError, RunData
from evalkit.verdicts.comparability import Instruments, Mismatch
from evalkit.verdicts.comparability import mismatches as instrument_mismatches

__all__ = ["ComparabilityError", "Mismatch", "check_comparable", "mismatches"]


class ComparabilityError(ReportError):
    """Sides measured with different instruments; `str()` is one line per difference."""

    def __init__(self, mismatches: list[Mismatch]) -> None:
        self.mismatches = mismatches
        lines = [m.message for m in mismatches]
        super().__init__("not comparable: " + "; ".join(lines) + " (use --allow-mismatch to compare anyway)")


def mismatches(a: RunData, b: RunData) -> list[Mismatch]:
    """Every difference in measuring instrument between two sides, one line each (evalkit.verdicts decides)."""
    return instrument_mismatches(
        Instruments.of(a.label, a.trials, a.results), Instruments.of(b.label, b.trials, b.results)
    )


def check_comparable(sides: list[RunData], allow_mismatch: bool) -> list[str]:
    """Raise ComparabilityError on any difference against the first side, or return them as warnings."""
    found = [m for side in sides[1:] for m in mismatches(sides[0], side)]
    if found and not allow_mismatch:
        raise ComparabilityError(found)
    return [m.message for m in found]
