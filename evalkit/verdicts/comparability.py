"""Were two runs measured with the same instrument? Same rubrics (by fingerprint), simulator and judges.

A different rubric, simulator or judge changes what a score means, so a
difference between the runs would not be a difference between the agents.
`evalkit compare` refuses such sides and the regression gate is INCONCLUSIVE
for them; both call `mismatches`.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

from evalkit.verdicts.rows import CHECKS_REF, ResultRow, TrialRecord


class Mismatch(BaseModel):
    kind: str  # rubric | simulator | judge
    message: str  # one line, naming the difference


class Instruments(BaseModel):
    """What measured one side: rubric fingerprints per rubric ref, simulator models, judge models."""

    model_config = ConfigDict(frozen=True)

    label: str
    rubrics: dict[str, frozenset[str]]  # rubric ref -> fingerprints (empty when unknown: rows of an older evalkit)
    simulators: frozenset[str]
    judges: frozenset[str]

    @classmethod
    def of(cls, label: str, trials: Iterable[TrialRecord], results: Iterable[ResultRow] | None = None) -> Instruments:
        """From a side's rows. Fingerprints and judges come from criterion rows when given (as compare
        reads them), else from the trial rows (`rubric_fingerprints`; rows written before it existed
        name only ``id@version``)."""
        trials = list(trials)
        simulators = frozenset(t.simulator_model for t in trials if t.simulator_model)
        if results is None:
            found: dict[str, set[str]] = {}
            for t in trials:
                for ref in t.rubric_refs:
                    found.setdefault(ref, set()).update(
                        [t.rubric_fingerprints[ref]] if ref in t.rubric_fingerprints else []
                    )
            judges = frozenset(m for t in trials for m in t.judge_models)
            return cls(
                label=label, rubrics={k: frozenset(v) for k, v in found.items()}, simulators=simulators, judges=judges
            )
        prints: dict[str, set[str]] = {}
        judge_set: set[str] = set()
        for row in results:
            if row.rubric_ref == CHECKS_REF:
                continue
            judge_set.update(row.judge_models)
            if row.rubric_fingerprint:
                prints.setdefault(row.rubric_ref, set()).add(row.rubric_fingerprint)
        return cls(
            label=label,
            rubrics={k: frozenset(v) for k, v in prints.items()},
            simulators=simulators,
            judges=frozenset(judge_set),
        )


def _fmt(values: Iterable[str]) -> str:
    return ", ".join(sorted(values)) or "none"


def mismatches(a: Instruments, b: Instruments) -> list[Mismatch]:
    """Every difference in measuring instrument between two sides, one line each."""
    found: list[Mismatch] = []
    for ref in sorted(set(a.rubrics) | set(b.rubrics)):
        if ref not in b.rubrics or ref not in a.rubrics:
            only = a.label if ref in a.rubrics else b.label
            found.append(Mismatch(kind="rubric", message=f"rubric {ref} was used only by {only}"))
        elif a.rubrics[ref] and b.rubrics[ref] and a.rubrics[ref] != b.rubrics[ref]:  # unknown on a side: by ref only
            found.append(
                Mismatch(
                    kind="rubric",
                    message=f"rubric {ref} fingerprint differs: "
                    f"{_fmt(a.rubrics[ref])} ({a.label}) vs {_fmt(b.rubrics[ref])} ({b.label})",
                )
            )
    for kind, va, vb in (("simulator", a.simulators, b.simulators), ("judge", a.judges, b.judges)):
        if va != vb:
            found.append(
                Mismatch(kind=kind, message=f"{kind} model differs: {_fmt(va)} ({a.label}) vs {_fmt(vb)} ({b.label})")
            )
    return found
