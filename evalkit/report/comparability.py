"""Can two sides be compared? Same rubrics (by fingerprint), simulator and judge.

A different rubric, simulator or judge changes the measuring instrument, so a
difference in scores would not be a difference between the agents.
"""

from __future__ import annotations

from pydantic import BaseModel

from evalkit.report.rundata import ReportError, RunData


class Mismatch(BaseModel):
    kind: str  # rubric | simulator | judge
    message: str  # one line, naming the difference


class ComparabilityError(ReportError):
    """Sides measured with different instruments; `str()` is one line per difference."""

    def __init__(self, mismatches: list[Mismatch]) -> None:
        self.mismatches = mismatches
        lines = [m.message for m in mismatches]
        super().__init__("not comparable: " + "; ".join(lines) + " (use --allow-mismatch to compare anyway)")


def _fingerprints(side: RunData) -> dict[str, set[str]]:
    prints: dict[str, set[str]] = {}
    for row in side.results:
        if row.rubric_ref != "checks" and row.rubric_fingerprint:
            prints.setdefault(row.rubric_ref, set()).add(row.rubric_fingerprint)
    return prints


def _simulators(side: RunData) -> set[str]:
    return {t.simulator_model for t in side.trials if t.simulator_model}


def _judges(side: RunData) -> set[str]:
    return {m for r in side.results if r.rubric_ref != "checks" for m in r.judge_models}


def _fmt(values: set[str]) -> str:
    return ", ".join(sorted(values)) or "none"


def mismatches(a: RunData, b: RunData) -> list[Mismatch]:
    """Every difference in measuring instrument between two sides, one line each."""
    found: list[Mismatch] = []
    pa, pb = _fingerprints(a), _fingerprints(b)
    for ref in sorted(set(pa) | set(pb)):
        if ref not in pb or ref not in pa:
            only = a.label if ref in pa else b.label
            found.append(Mismatch(kind="rubric", message=f"rubric {ref} was used only by {only}"))
        elif pa[ref] != pb[ref]:
            found.append(Mismatch(kind="rubric", message=f"rubric {ref} fingerprint differs: "
                                  f"{_fmt(pa[ref])} ({a.label}) vs {_fmt(pb[ref])} ({b.label})"))
    for kind, get in (("simulator", _simulators), ("judge", _judges)):
        va, vb = get(a), get(b)
        if va != vb:
            found.append(Mismatch(kind=kind, message=f"{kind} model differs: {_fmt(va)} ({a.label}) vs {_fmt(vb)} ({b.label})"))
    return found


def check_comparable(sides: list[RunData], allow_mismatch: bool) -> list[str]:
    """Raise ComparabilityError on any difference against the first side, or return them as warnings."""
    found = [m for side in sides[1:] for m in mismatches(sides[0], side)]
    if found and not allow_mismatch:
        raise ComparabilityError(found)
    return [m.message for m in found]
