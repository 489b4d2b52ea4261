"""A run directory written by evalkit before the tier became the full model name (tests/run/data/old_tier_run).

The fixture was written by the previous writer itself (commit f21043f^, `execute_run` with
tests/run/fake_project.py's project: 2 scenarios x tiers openai:agent-m, openai:agent-x x 1
trial, the fake server's rules with one turn), with its project path replaced by @PROJECT@.
Its rows, run.json and event keys say `agent-m`; its transcripts `openai:agent-m`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fake_project import rules, write_project

from evalkit.llm import ModelHub
from evalkit.report import CompareConfig, compare_runs, open_run, render_html_report
from evalkit.run import RunConfig, execute_run, load_run, plan_run
from evalkit.run.keys import item_key, parse_key
from evalkit.run.run_dir import EVENTS, MANIFEST, RESULTS, TRIALS, read_rows
from evalkit.spec import load_suite
from evalkit.testing import FakeLLMServer, hub_config_for

FIXTURE = Path(__file__).parent / "data" / "old_tier_run"
TIERS = ["openai:agent-m", "openai:agent-x"]
ALIASES = {"agent-m": "openai:agent-m", "agent-x": "openai:agent-x"}


@pytest.fixture
def old_run(tmp_path: Path) -> Path:
    """The fixture under tmp_path/reports, beside the project that wrote it (same bytes, so same hashes)."""
    write_project(tmp_path, scenarios=2, trials=1)
    run_dir = tmp_path / "reports" / "old-tier-run"
    shutil.copytree(FIXTURE, run_dir)
    for path in [p for p in run_dir.rglob("*") if p.is_file()]:
        path.write_text(path.read_text().replace("@PROJECT@", str(tmp_path)))
    assert {r["tier"] for r in read_rows(run_dir / TRIALS)} == set(ALIASES)  # the old form, as written
    return run_dir


def _config(root: Path, **extra: object) -> RunConfig:
    return RunConfig(report_dir=root / "reports", fsync_interval_s=0, tiers=TIERS, **extra)  # type: ignore[arg-type]


def _drop(run_dir: Path, key: str, kinds: set[str]) -> None:
    """Lose what a kill would lose of one trial: these events of it, and its rows."""
    lines = (run_dir / EVENTS).read_text().splitlines()
    kept = [line for line in lines if not (json.loads(line).get("key") == key and json.loads(line)["kind"] in kinds)]
    (run_dir / EVENTS).write_text("".join(line + "\n" for line in kept))
    parsed = parse_key(key)
    for name in (TRIALS, RESULTS):
        rows = [
            r
            for r in read_rows(run_dir / name)
            if (r["scenario_id"], r["tier"], r["trial"]) != (parsed.scenario_id, parsed.tier, parsed.trial)
        ]
        (run_dir / name).write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_it_loads_with_full_tiers_and_no_integrity_problem(old_run: Path) -> None:
    run = load_run(old_run)
    assert run.status == "complete" and run.problems == [] and run.tier_aliases == ALIASES
    assert {r["tier"] for r in run.trials + run.results} == set(TIERS)
    assert {parse_key(e["key"]).tier for e in run.events() if "key" in e} == set(TIERS)
    assert run.manifest["suites"][0]["tiers"] == TIERS
    assert all(run.transcript(t).meta.agent_tier == t["tier"] for t in run.trials)  # rows and transcripts agree
    frames = run.to_pandas()
    assert all(set(frames[name]["tier"]) == set(TIERS) for name in frames.keys())  # noqa: SIM118 - RunFrames has keys() and [name], no __iter__


def test_it_reports_and_compares_by_full_or_short_tier(old_run: Path) -> None:
    html = render_html_report(open_run(old_run))
    assert "openai:agent-x" in html
    assert compare_runs([old_run]).sides == TIERS
    assert compare_runs([old_run], CompareConfig(tiers=["agent-x", "agent-m"])).sides == TIERS[::-1]


@pytest.mark.asyncio
async def test_it_resumes_reusing_its_log_and_reruns_only_what_it_lost(old_run: Path) -> None:
    root = old_run.parents[1]
    judged_only = item_key("runtest", "sc0", "agent-x", 0)  # decision lost: rebuilt from the logged judgement
    lost = item_key("runtest", "sc1", "agent-m", 0)  # nothing logged: runs again
    _drop(old_run, judged_only, {"trial_decided"})
    _drop(old_run, lost, {"session_started", "session_ended", "judged", "trial_decided", "turn"})
    suite = load_suite(root / "suites" / "run.yaml", root=root)
    config = _config(root, resume=str(old_run))
    with FakeLLMServer(rules(turns=1)) as server:
        async with ModelHub(hub_config_for(server)) as hub:
            summary = await execute_run(plan_run([suite], config), config, hub)
        judge_calls = len(server.requests_for("judge"))
    assert summary.status == "complete" and summary.kept_from_resume == 2
    events = [json.loads(line) for line in (old_run / EVENTS).read_text().splitlines()]
    resumed_at = max(i for i, e in enumerate(events) if e["kind"] == "run_started")
    assert [e["key"] for e in events[resumed_at:] if e["kind"] == "session_started"] == [
        item_key("runtest", "sc1", "openai:agent-m", 0)
    ]  # only the lost trial ran again, under its full tier
    assert judge_calls == 1  # and only it was judged: the other was decided from its logged judgement
    run = load_run(old_run)
    assert run.problems == [] and run.tier_aliases == {} and len(run.trials) == 4
    assert {r["tier"] for r in read_rows(old_run / TRIALS) + read_rows(old_run / RESULTS)} == set(TIERS)
    keys = [json.loads(line).get("key") for line in (old_run / EVENTS).read_text().splitlines()]
    assert {parse_key(k).tier for k in keys if k} == set(TIERS)
    manifest = json.loads((old_run / MANIFEST).read_text())
    assert manifest["upgraded"][0]["tiers"] == ALIASES and manifest["suites"][0]["tiers"] == TIERS


@pytest.mark.asyncio
async def test_a_new_run_of_the_same_suite_pairs_with_it_by_tier(old_run: Path) -> None:
    root = old_run.parents[1]
    suite = load_suite(root / "suites" / "run.yaml", root=root)
    with FakeLLMServer(rules(turns=1)) as server:
        async with ModelHub(hub_config_for(server)) as hub:
            new = await execute_run(plan_run([suite], _config(root)), _config(root), hub)
    comp = compare_runs([old_run, new.run_dir])
    assert comp.by_tier and comp.warnings == []
    assert sorted(c.scenario for c in comp.pairs[0].scenarios) == [f"sc{i}[{t}]" for i in range(2) for t in TIERS]


def test_an_upgrade_cut_off_before_run_json_is_finished_by_the_next(old_run: Path) -> None:
    from evalkit.run.tier_compat import upgrade_in_place

    stored = (old_run / MANIFEST).read_text()
    assert upgrade_in_place(old_run) == ALIASES
    (old_run / MANIFEST).write_text(stored)  # as if killed after the rows, before run.json
    assert upgrade_in_place(old_run) == ALIASES
    manifest = json.loads((old_run / MANIFEST).read_text())
    assert manifest["suites"][0]["tiers"] == TIERS and len(manifest["upgraded"]) == 1
    assert upgrade_in_place(old_run) == {}  # nothing left in the old form
    assert load_run(old_run).problems == []
