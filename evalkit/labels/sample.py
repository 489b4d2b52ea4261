"""Which trials of a run a person should label: a stratified draw, with each item's inclusion probability.

Holdout items are drawn uniformly within scenarios (the strata, which are also
the clusters of every interval): n is split across scenarios in proportion to
their trial counts, at least one each while n allows, never more than a
scenario has. Each drawn item records n_h / N_h, its chance of being drawn,
which prediction-powered inference (PPI) needs to weight it. With fewer items
than scenarios, n scenarios are drawn first, then one trial in each, and the
probability says so ((n / H) / N_h).

`disagreement` adds, as `dev` items, the trials whose judge readings disagreed
most (the largest sample spread, as a share of the criterion's scale width):
useful for debugging a judge prompt, never used for correction, so they carry no
inclusion probability. Every draw is a function of the seed, and each
scenario's draw depends only on the seed and its own trials, so adding a
scenario to a run leaves the other scenarios' picks as they were.
"""

from __future__ import annotations

import math
import os
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from statistics import pstdev
from typing import Any, Literal

from evalkit.run.load import LoadedRun
from evalkit.spec.label_model import Label
from evalkit.spec.rubrics import ResolvedRubric

Strategy = Literal["uniform", "disagreement"]


@dataclass(frozen=True)
class SampleConfig:
    """What to draw: `n` holdout items for `rubric`, plus `dev` disagreement items if asked."""

    rubric: ResolvedRubric
    n: int
    seed: int = 0
    strategy: Strategy = "uniform"
    dev: int = 10


@dataclass(frozen=True)
class Candidate:
    """A judged trial of the run that has a transcript to label."""

    key: tuple[str, str, str, int]  # suite, scenario, tier, trial
    transcript: Path
    transcript_hash: str
    agent_model: str | None
    fingerprint: str
    disagreement: float  # largest judge spread over the rubric's criteria, as a share of the scale width

    @property
    def cluster(self) -> str:
        return self.key[1]


@dataclass(frozen=True)
class Drawn:
    candidate: Candidate
    split: Literal["dev", "holdout"]
    probability: float | None


@dataclass
class Draw:
    """The items drawn and the population they were drawn from (for the command's summary)."""

    items: list[Drawn] = field(default_factory=list)
    population: dict[str, int] = field(default_factory=dict)  # scenario -> judged trials


def candidates(run: LoadedRun, rubric: ResolvedRubric) -> list[Candidate]:
    """Trials judged under the rubric with a transcript on disk; setup errors (nothing was said) are left out."""
    rows: dict[tuple[str, str, str, int], list[dict[str, Any]]] = defaultdict(list)
    for row in run.results:
        if row.get("rubric_ref") == rubric.ref:
            rows[_key(row)].append(row)
    out = []
    for trial in run.trials:
        key, path = _key(trial), trial.get("transcript_path")
        if key not in rows or not path or trial.get("outcome") == "error" or not trial.get("transcript_hash"):
            continue
        if not (run.path / path).is_file():
            continue
        judged = (r["rubric_fingerprint"] for r in rows[key] if r.get("rubric_fingerprint"))
        fingerprint = next(judged, rubric.fingerprint)  # what the run's judge scored against
        out.append(
            Candidate(
                key,
                run.path / path,
                trial["transcript_hash"],
                trial.get("agent_model"),
                fingerprint,
                _disagreement(rows[key], rubric),
            )
        )
    return sorted(out, key=lambda c: c.key)


def _key(row: dict[str, Any]) -> tuple[str, str, str, int]:
    suite, tier = str(row.get("suite", "")), str(row.get("tier", "default"))
    return (suite, str(row["scenario_id"]), tier, int(row.get("trial", 0)))


def _disagreement(rows: list[dict[str, Any]], rubric: ResolvedRubric) -> float:
    widths = {c.id: (1 if c.scale == "binary" else c.scale.max - c.scale.min) for c in rubric.rubric.criteria}
    worst = 0.0
    for row in rows:
        spread = row.get("spread")
        valid = [s for s in row.get("samples") or [] if s is not None]
        if spread is None and len(valid) > 1:
            spread = pstdev(float(s) for s in valid)
        if spread is not None:
            worst = max(worst, float(spread) / widths.get(row.get("criterion_id", ""), 1))
    return worst


def allocate(sizes: dict[str, int], n: int) -> dict[str, int]:
    """Items per stratum: proportional to size, at least one each when n >= strata, capped at the size.

    Needs n >= len(sizes); ties go to the stratum that comes first by name, so the split is deterministic.
    """
    n = min(n, sum(sizes.values()))
    total = sum(sizes.values())
    quota = {h: n * size / total for h, size in sizes.items()}
    alloc = {h: min(sizes[h], max(1, math.floor(q))) for h, q in quota.items()}
    order = sorted(sizes)
    while sum(alloc.values()) > n:  # the forced ones overshot: take from the most over-served
        h = max((h for h in order if alloc[h] > 1), key=lambda h: alloc[h] - quota[h])
        alloc[h] -= 1
    while sum(alloc.values()) < n:  # hand out the remainder to the most under-served with room left
        h = max((h for h in order if alloc[h] < sizes[h]), key=lambda h: quota[h] - alloc[h])
        alloc[h] += 1
    return alloc


def draw(pool: list[Candidate], config: SampleConfig) -> Draw:
    """The holdout sample (and dev items for `disagreement`), deterministic for a seed."""
    strata: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in pool:
        strata[candidate.cluster].append(candidate)
    result = Draw(population={h: len(items) for h, items in sorted(strata.items())})
    n = min(config.n, len(pool))
    if n <= 0:
        return result
    if n < len(strata):
        chosen = sorted(random.Random(f"{config.seed}:strata").sample(sorted(strata), n))
        alloc, share = dict.fromkeys(chosen, 1), n / len(strata)
    else:
        alloc, share = allocate(result.population, n), 1.0
    for h, k in sorted(alloc.items()):
        picks = random.Random(f"{config.seed}:{h}").sample(strata[h], k)
        result.items += [Drawn(c, "holdout", share * k / len(strata[h])) for c in sorted(picks, key=lambda c: c.key)]
    if config.strategy == "disagreement":
        result.items += _most_disputed(pool, {d.candidate.key for d in result.items}, config.dev)
    return result


def _most_disputed(pool: Iterable[Candidate], taken: set[tuple[str, str, str, int]], count: int) -> list[Drawn]:
    disputed = sorted(
        (c for c in pool if c.key not in taken and c.disagreement > 0), key=lambda c: (-c.disagreement, c.key)
    )
    return [Drawn(c, "dev", None) for c in disputed[:count]]


def stubs(result: Draw, out: Path, run_id: str, rubric: ResolvedRubric) -> list[Label]:
    """Unlabelled labels for the drawn items; transcript paths relative to the labels file `out`."""
    base = out.resolve().parent
    return [
        Label(
            transcript=Path(os.path.relpath(d.candidate.transcript.resolve(), base)).as_posix(),
            transcript_hash=d.candidate.transcript_hash,
            rubric=rubric.ref,
            rubric_fingerprint=d.candidate.fingerprint,
            cluster=d.candidate.cluster,
            split=d.split,
            agent_model=d.candidate.agent_model,
            run_id=run_id,
            inclusion_probability=d.probability,
        )
        for d in result.items
    ]
