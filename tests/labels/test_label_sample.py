"""`evalkit labels sample`: stratified holdout draws with inclusion probabilities, disagreement dev items."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
from label_helpers import evalkit, read_jsonl, results, trials
from label_runs import RUBRIC_REF, TRIALS, disputed

from evalkit.labels.sample import SampleConfig, allocate, candidates, draw
from evalkit.run.load import LoadedRun
from evalkit.spec.rubrics import RubricRegistry


def _sample(project: Path, run_dir: Path, out: Path, *extra: str) -> list[dict]:
    result = evalkit("labels", "sample", run_dir, "--rubric", RUBRIC_REF, "--out", out, "--root", project, *extra)
    assert result.exit_code == 0, result.output
    return read_jsonl(out)


def test_holdout_items_are_proportional_per_scenario_with_their_inclusion_probability(
    project: Path, run_dir: Path
) -> None:
    stubs = _sample(project, run_dir, project / "labels" / "q.jsonl", "--n", "7", "--seed", "3")
    per_scenario = Counter(s["cluster"] for s in stubs)
    population = Counter(t["scenario_id"] for t in trials(run_dir))
    assert sum(per_scenario.values()) == 7 and set(per_scenario) == set(TRIALS)
    for scenario, count in per_scenario.items():
        quota = 7 * population[scenario] / sum(population.values())
        assert abs(count - quota) < 1  # largest remainder: within one of the proportional share
    for stub in stubs:
        assert stub["inclusion_probability"] == pytest.approx(
            per_scenario[stub["cluster"]] / population[stub["cluster"]]
        )


def test_stubs_name_the_transcript_hash_rubric_and_run_and_validate(project: Path, run_dir: Path) -> None:
    out = project / "labels" / "q.jsonl"
    stubs = _sample(project, run_dir, out, "--n", "5")
    by_path = {(run_dir / t["transcript_path"]).resolve(): t for t in trials(run_dir)}
    fingerprints = {r["rubric_fingerprint"] for r in results(run_dir) if r["rubric_ref"] == RUBRIC_REF}
    assert len(stubs) == len({s["transcript"] for s in stubs}) == 5
    for stub in stubs:
        trial = by_path[(out.parent / stub["transcript"]).resolve()]
        assert stub["transcript_hash"] == trial["transcript_hash"] and stub["cluster"] == trial["scenario_id"]
        assert stub["agent_model"] == trial["agent_model"] and stub["run_id"] == trial["run_id"]
        assert stub["rubric"] == RUBRIC_REF and {stub["rubric_fingerprint"]} == fingerprints
        assert stub["split"] == "holdout" and stub.get("criteria", {}) == {} and "labeller" not in stub
    checked = evalkit("validate", "--root", project)  # found under labels/ by default
    assert checked.exit_code == 0, checked.output


def test_the_same_seed_draws_the_same_items_and_another_seed_others(project: Path, run_dir: Path) -> None:
    first = _sample(project, run_dir, project / "a.jsonl", "--n", "6", "--seed", "11")
    again = _sample(project, run_dir, project / "b.jsonl", "--n", "6", "--seed", "11")
    assert (project / "a.jsonl").read_bytes() == (project / "b.jsonl").read_bytes() and first == again
    others = [_sample(project, run_dir, project / f"s{seed}.jsonl", "--n", "6", "--seed", str(seed)) for seed in (1, 2)]
    assert any({s["transcript"] for s in o} != {s["transcript"] for s in first} for o in others)


def test_recorded_inclusion_probabilities_match_the_draw_frequencies(project: Path, run_dir: Path) -> None:
    """Over 3,000 seeds each trial is drawn about as often as its recorded probability says (PPI weights by it)."""
    rubric = RubricRegistry.from_dirs([project / "rubrics"]).resolve(RUBRIC_REF)
    pool = candidates(LoadedRun(run_dir), rubric)
    for n in (2, 7):  # fewer items than scenarios, and more
        seen: Counter = Counter()
        claimed: dict = {}
        draws = 3000
        for seed in range(draws):
            for item in draw(pool, SampleConfig(rubric, n, seed)).items:
                seen[item.candidate.key] += 1
                assert claimed.setdefault(item.candidate.key, item.probability) == pytest.approx(item.probability)
        for candidate in pool:
            p = claimed.get(candidate.key, 0.0)
            tolerance = 4 * (p * (1 - p) / draws) ** 0.5 + 1e-9
            assert abs(seen[candidate.key] / draws - p) <= tolerance, (n, candidate.key, p)


def test_fewer_items_than_scenarios_draws_scenarios_first(project: Path, run_dir: Path) -> None:
    result = evalkit(
        "labels", "sample", run_dir, "--rubric", RUBRIC_REF, "--n", "2", "--out", project / "l.jsonl", "--root", project
    )
    assert result.exit_code == 0 and "1 scenario(s) have none" in result.output
    stubs = read_jsonl(project / "l.jsonl")
    assert len({s["cluster"] for s in stubs}) == 2
    for stub in stubs:
        assert stub["inclusion_probability"] == pytest.approx(2 / len(TRIALS) / TRIALS[stub["cluster"]])


def test_disagreement_adds_the_most_disputed_trials_as_dev_items(project: Path, run_dir: Path) -> None:
    stubs = _sample(project, run_dir, project / "d.jsonl", "--n", "3", "--strategy", "disagreement", "--dev", "3")
    holdout = [s for s in stubs if s["split"] == "holdout"]
    dev = [s for s in stubs if s["split"] == "dev"]
    assert len(holdout) == 3 and len(dev) == 3
    assert all("inclusion_probability" not in s for s in dev)  # never weighted into a correction
    assert not {s["transcript"] for s in dev} & {s["transcript"] for s in holdout}
    seeds = {t["transcript_hash"]: t["seed"] for t in trials(run_dir)}
    assert all(disputed(seeds[s["transcript_hash"]]) for s in dev)
    spread = {(r["scenario_id"], r["trial"]) for r in results(run_dir) if (r.get("spread") or 0) > 0}
    n_disputed = len(spread)
    many = _sample(project, run_dir, project / "e.jsonl", "--n", "1", "--strategy", "disagreement", "--dev", "50")
    assert len([s for s in many if s["split"] == "dev"]) == n_disputed - sum(
        1 for s in many if s["split"] == "holdout" and disputed(seeds[s["transcript_hash"]])
    )


def test_allocation_is_proportional_at_least_one_and_capped() -> None:
    rng = random.Random(0)
    for _ in range(500):
        sizes = {f"s{i}": rng.randint(1, 30) for i in range(rng.randint(1, 12))}
        n = rng.randint(len(sizes), sum(sizes.values()) + 5)
        alloc = allocate(sizes, n)
        assert sum(alloc.values()) == min(n, sum(sizes.values()))
        assert all(1 <= alloc[h] <= sizes[h] for h in sizes)
        total = sum(sizes.values())
        over = {h: alloc[h] - min(n, total) * sizes[h] / total for h in sizes}  # items above the proportional share
        for a in (h for h in sizes if alloc[h] > 1):  # no move of one item from a to b would be fairer
            for b in (h for h in sizes if alloc[h] < sizes[h] and h != a):
                assert over[a] - over[b] <= 1 + 1e-9, (sizes, n, alloc)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--rubric", "nosuch@1"], "--rubric: unknown rubric 'nosuch'"),
        (["--rubric", "quality@9"], "--rubric: rubric 'quality' has no version 9"),
        (["--rubric", "quality"], "names no version (expected quality@1)"),
    ],
)
def test_bad_rubric_is_one_line(project: Path, run_dir: Path, args: list[str], expected: str) -> None:
    result = evalkit("labels", "sample", run_dir, *args, "--root", project)
    assert result.exit_code == 1 and expected in result.output and "Traceback" not in result.output


def test_an_existing_out_file_or_a_non_run_is_refused_in_one_line(project: Path, run_dir: Path) -> None:
    (project / "taken.jsonl").write_text("keep me\n")
    result = evalkit(
        "labels", "sample", run_dir, "--rubric", RUBRIC_REF, "--out", project / "taken.jsonl", "--root", project
    )
    assert result.exit_code == 1 and "already exists" in result.output
    assert (project / "taken.jsonl").read_text() == "keep me\n"
    result = evalkit("labels", "sample", project / "rubrics", "--rubric", RUBRIC_REF, "--root", project)
    assert result.exit_code == 1 and "not a run directory" in result.output and "Traceback" not in result.output
