"""One item key format and one meaning of "tier" (the agent model as named) in every artifact of a run.

Runs here use the real session and judging stages against FakeLLMServer. A run of
the old form (short tiers in rows, run.json and event keys) is made from a real run
by writing what the writer wrote before (`_to_old_form`), then loaded, reported,
compared, used as a baseline and resumed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from fake_project import rules, write_project

import evalkit
from evalkit.llm import ModelHub
from evalkit.report import CompareConfig, compare_runs, open_run, render_html_report
from evalkit.run import RunConfig, execute_run, load_run, plan_run
from evalkit.run.keys import ItemKey, item_key, item_of, parse_key, tier_label, tier_of
from evalkit.run.run_dir import EVENTS, MANIFEST, RESULTS, TRIALS, read_rows
from evalkit.run.tier_compat import TierAliases, read_trials
from evalkit.spec import load_suite
from evalkit.testing import FakeLLMServer, hub_config_for

TIERS = ["openai:agent-m", "openai:agent-x"]


# ---------------------------------------------------------------- keys


@pytest.mark.parametrize("tier", ["openai:gpt-4.1", "openai-compatible:org/model.v2", "default", "odd]#7", "a::b[c]"])
@pytest.mark.parametrize("suite", ["support", "suite one", "team::support"])
def test_a_key_round_trips_whatever_the_tier_holds(suite: str, tier: str) -> None:
    key = item_key(suite, "refund-damaged_item.v2", tier, 12)
    assert parse_key(key) == ItemKey(suite, "refund-damaged_item.v2", tier, 12)
    assert item_of(key) == item_key(suite, "refund-damaged_item.v2", tier)
    assert parse_key(item_of(key)) == ItemKey(suite, "refund-damaged_item.v2", tier)


def test_a_string_that_is_no_key_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="not an evalkit item key: 'refund#2'"):
        parse_key("refund#2")


def test_the_tier_is_the_model_as_named_and_the_label_only_shortens_it() -> None:
    assert (tier_of("openai:gpt-4.1"), tier_of(None), tier_of("fast")) == ("openai:gpt-4.1", "default", "fast")
    assert (tier_label("openai:gpt-4.1"), tier_label("default"), tier_label(None)) == ("gpt-4.1", "default", "default")


def test_item_key_is_the_only_writer_of_the_key_format() -> None:
    """No other module formats `suite::scenario[tier]` or cuts a key at `#` itself."""
    root = Path(evalkit.__file__).parent
    writers = re.compile(r"""::\{[^}]*\}\[\{|\]#\{|rsplit\(["']#["']""")
    found = [
        f"{p.relative_to(root)}:{n}"
        for p in root.rglob("*.py")
        if p.name != "keys.py"
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if writers.search(line)
    ]
    assert found == []


# ---------------------------------------------------------------- one tier everywhere


async def _run(root: Path, config: RunConfig, server: FakeLLMServer, suite_path: Path | None = None) -> Path:
    suite = load_suite(suite_path or write_project(root, scenarios=2, trials=2), root=root)
    async with ModelHub(hub_config_for(server)) as hub:
        summary = await execute_run(plan_run([suite], config), config, hub)
    return summary.run_dir


@pytest.fixture
def server() -> Any:
    with FakeLLMServer(rules(turns=1)) as fake:
        yield fake


def _config(root: Path, **extra: Any) -> RunConfig:
    return RunConfig(report_dir=root / "reports", fsync_interval_s=0, tiers=TIERS, **extra)


@pytest.mark.asyncio
async def test_every_artifact_names_the_tier_by_its_full_model_name(tmp_path: Path, server: FakeLLMServer) -> None:
    run_dir = await _run(tmp_path, _config(tmp_path), server)
    run = load_run(run_dir)
    want = set(TIERS)
    assert {r["tier"] for r in run.trials} == want and {r["tier"] for r in run.results} == want
    assert all(r["tier"] == r["agent_model"] for r in run.trials)
    assert set(run.manifest["suites"][0]["tiers"]) == want
    metas = [json.loads(p.read_text())["meta"] for p in (run_dir / "transcripts").glob("*.json")]
    assert len(metas) == 8 and {m["agent_tier"] for m in metas} == want
    keyed = [e for e in run.events() if "key" in e]
    assert keyed and {parse_key(e["key"]).tier for e in keyed} == want
    frames = run.to_pandas()
    assert all(set(frames[name]["tier"]) == want for name in frames.keys())  # noqa: SIM118 - RunFrames has keys() and [name], no __iter__
    data = open_run(run_dir)
    assert set(data.tiers()) == want and "openai:agent-x" in render_html_report(data)
    comp = compare_runs([run_dir])
    assert comp.sides == TIERS
    short = compare_runs([run_dir], CompareConfig(tiers=["agent-x", "agent-m"]))  # a short name picks its tier
    assert short.sides == ["openai:agent-x", "openai:agent-m"]


# ---------------------------------------------------------------- the old form


def _old(key: str) -> str:
    parsed = parse_key(key)
    return str(ItemKey(parsed.suite, parsed.scenario_id, tier_label(parsed.tier), parsed.trial))


def _to_old_form(run_dir: Path) -> None:
    """Write what the writer wrote when a tier was the short name: in rows, run.json, event keys, file names."""
    paths: dict[str, str] = {}
    for path in (run_dir / "transcripts").glob("*.json"):
        old = path.with_name(path.name.replace("__openai_", "__"))
        path.rename(old)
        paths[f"transcripts/{path.name}"] = f"transcripts/{old.name}"

    def row(r: dict[str, Any]) -> dict[str, Any]:
        out = {**r, "tier": tier_label(r["tier"])}
        if "transcript_path" in r:
            out["transcript_path"] = paths.get(r["transcript_path"], r["transcript_path"])
        return out

    for name in (TRIALS, RESULTS):
        (run_dir / name).write_text("".join(json.dumps(row(r)) + "\n" for r in read_rows(run_dir / name)))
    events = [json.loads(line) for line in (run_dir / EVENTS).read_text().splitlines()]
    for e in events:
        if "key" in e:
            e["key"] = _old(e["key"])
        if "transcript_path" in e:
            e["transcript_path"] = paths.get(e["transcript_path"], e["transcript_path"])
    (run_dir / EVENTS).write_text("".join(json.dumps(e) + "\n" for e in events))
    manifest = json.loads((run_dir / MANIFEST).read_text())
    for suite in manifest["suites"]:
        suite["tiers"] = sorted(tier_label(t) for t in suite["tiers"])
    manifest["gates"] = [
        {"suite": "runtest", "tier": "agent-m", "name": "invalid_rate", "decision": "pass", "detail": "0/4 invalid"}
    ]
    (run_dir / MANIFEST).write_text(json.dumps(manifest))


@pytest_asyncio.fixture
async def old_run(tmp_path: Path, server: FakeLLMServer) -> Path:
    run_dir = await _run(tmp_path / "old", _config(tmp_path / "old"), server)
    _to_old_form(run_dir)
    assert {r["tier"] for r in read_rows(run_dir / TRIALS)} == {"agent-m", "agent-x"}
    return run_dir


@pytest.mark.asyncio
async def test_an_old_run_loads_with_full_tiers_and_agrees_with_its_log(old_run: Path) -> None:
    run = load_run(old_run)
    assert run.problems == [] and run.status == "complete"
    assert run.tier_aliases == {"agent-m": "openai:agent-m", "agent-x": "openai:agent-x"}
    assert {r["tier"] for r in run.trials} == set(TIERS) and {r["tier"] for r in run.results} == set(TIERS)
    assert {parse_key(e["key"]).tier for e in run.events() if "key" in e} == set(TIERS)
    assert sorted(run.manifest["suites"][0]["tiers"]) == TIERS and run.manifest["gates"][0]["tier"] == TIERS[0]
    assert all(run.transcript(t) is not None for t in run.trials)
    assert set(run.to_pandas().costs["tier"]) == set(TIERS)
    assert {t["tier"] for t in read_trials(old_run)} == set(TIERS)  # what a baseline reads


@pytest.mark.asyncio
async def test_an_old_run_reports_and_compares_against_a_new_one(
    old_run: Path, tmp_path: Path, server: FakeLLMServer
) -> None:
    new = await _run(tmp_path / "old", _config(tmp_path / "old"), server, tmp_path / "old" / "suites" / "run.yaml")
    comp = compare_runs([old_run, new])  # both ran the same two tiers: paired by tier, nothing unmatched
    assert comp.by_tier and comp.warnings == []
    assert sorted(c.scenario for c in comp.pairs[0].scenarios) == [f"sc{i}[{t}]" for i in range(2) for t in TIERS]
    assert compare_runs([old_run], CompareConfig(tiers=TIERS)).sides == TIERS
    assert "openai:agent-m" in render_html_report(open_run(old_run))


@pytest.mark.asyncio
async def test_an_old_run_resumes_keeping_what_it_decided_and_ends_in_todays_form(
    old_run: Path, server: FakeLLMServer
) -> None:
    dropped = item_key("runtest", "sc1", "agent-x", 1)  # the last trial: its decision lost, as after a kill
    lines = (old_run / EVENTS).read_text().splitlines()
    (old_run / EVENTS).write_text(
        "".join(
            line + "\n"
            for line in lines
            if not (json.loads(line).get("key") == dropped and json.loads(line)["kind"] == "trial_decided")
        )
    )
    rows = [
        r
        for r in read_rows(old_run / TRIALS)
        if not (r["scenario_id"] == "sc1" and r["tier"] == "agent-x" and r["trial"] == 1)
    ]
    (old_run / TRIALS).write_text("".join(json.dumps(r) + "\n" for r in rows))
    agent_calls = len(server.requests_for("agent"))
    root = old_run.parents[1]
    config = _config(root, resume=str(old_run))
    suite = load_suite(root / "suites" / "run.yaml", root=root)
    async with ModelHub(hub_config_for(server)) as hub:
        summary = await execute_run(plan_run([suite], config), config, hub)
    assert summary.status == "complete" and summary.kept_from_resume == 7  # 8 planned, 1 undecided
    assert len(server.requests_for("agent")) == agent_calls  # its transcript was logged: judged again, not re-run
    run = load_run(old_run)
    assert run.problems == [] and len(run.trials) == 8 and run.tier_aliases == {}  # nothing left in the old form
    assert {r["tier"] for r in read_rows(old_run / TRIALS)} == set(TIERS)
    assert {r["tier"] for r in read_rows(old_run / RESULTS)} == set(TIERS)
    assert {
        parse_key(json.loads(line)["key"]).tier
        for line in (old_run / EVENTS).read_text().splitlines()
        if "key" in json.loads(line)
    } == set(TIERS)
    assert json.loads((old_run / MANIFEST).read_text())["upgraded"][0]["tiers"] == {
        "agent-m": "openai:agent-m",
        "agent-x": "openai:agent-x",
    }


def test_a_short_name_is_mapped_only_when_one_tier_shortens_to_it() -> None:
    aliases = TierAliases(["openai:gpt-4.1", "azure:gpt-4.1", "openai:mini", "default-ish:default"], literal=["fast"])
    assert aliases.map == {"mini": "openai:mini"}  # gpt-4.1 is two tiers; `default` is never renamed
    kept = TierAliases(["openai:fast"], literal=["fast"])  # a Python agent's tier named `fast` beside openai:fast
    assert kept.map == {} and kept.key("s::x[fast]#0") == "s::x[fast]#0"
    assert TierAliases(["openai:mini"]).key("s::x[mini]#3") == "s::x[openai:mini]#3"
