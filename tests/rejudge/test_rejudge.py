"""evalkit rejudge: stored transcripts judged again under rubric v3, over HTTP against FakeLLMServer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rejudge_project import judge, write_project

from evalkit.cli import main
from evalkit.rejudge import RejudgeConfig, RejudgeError, rejudge_run
from evalkit.run import RunConfig, load_run, plan_run, run_in_thread
from evalkit.spec import load_suite
from evalkit.testing import FakeLLMServer


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("EVALKIT_HISTORY_URL", f"sqlite:///{tmp_path / 'history.db'}")
    monkeypatch.delenv("EVALKIT_LIVE", raising=False)
    write_project(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))  # the agent module, as the plugin's rootdir import would find it
    return tmp_path


@pytest.fixture
def server(fake_llm: FakeLLMServer) -> FakeLLMServer:
    fake_llm.add_rule(role="judge", handler=judge)
    return fake_llm


def _urls(server: FakeLLMServer) -> dict[str, str]:
    return {"openai": server.base_url("openai")}


def _original(project: Path, server: FakeLLMServer) -> Path:
    suite = load_suite(project / "suites" / "tiny.yaml")
    config = RunConfig(report_dir=project / "reports", base_urls=_urls(server), cache=False)
    handle = run_in_thread(plan_run([suite], config), config)
    handle.wait(timeout=60)
    return handle.run_dir


def _outcomes(run_dir: Path) -> dict[tuple[str, int], str]:
    return {(t["scenario_id"], t["trial"]): t["outcome"] for t in load_run(run_dir).trials}


def test_rubric_v3_flips_the_refund_scenario_without_agent_or_simulator_calls(
    project: Path, server: FakeLLMServer
) -> None:
    original = _original(project, server)
    assert _outcomes(original) == {
        ("refund", 0): "pass",
        ("refund", 1): "pass",
        ("other", 0): "fail",
        ("other", 1): "fail",
    }
    server.reset()

    summary = rejudge_run(
        RejudgeConfig(
            run_dir=original, rubrics=["support.resolution@3"], live=True, base_urls=_urls(server), cache=False
        )
    )
    assert {r.role for r in server.requests} == {"judge"} and len(server.requests) == 4  # one judge call per trial
    new = summary.run_dir
    assert new != original and summary.status == "complete"
    assert _outcomes(new) == {("refund", 0): "fail", ("refund", 1): "fail", ("other", 0): "fail", ("other", 1): "fail"}

    manifest = json.loads((new / "run.json").read_text())
    assert manifest["rejudged_from"] == original.name and manifest["rejudged_from_dir"] == str(original)
    assert [r["ref"] for r in manifest["rubrics"]] == ["support.resolution@3"]
    hashes = {(t["scenario_id"], t["trial"]): t["transcript_hash"] for t in load_run(original).trials}
    for t in load_run(new).trials:  # the same sessions, copied into the new run (self-contained)
        assert t["transcript_hash"] == hashes[(t["scenario_id"], t["trial"])]
        assert (new / t["transcript_path"]).is_file()
    results = [json.loads(line) for line in (new / "results.jsonl").read_text().splitlines()]
    assert {r["rubric_ref"] for r in results} == {"support.resolution@3"}

    refused = CliRunner().invoke(main, ["compare", str(original), str(new)])  # two rubric versions: said, not hidden
    assert refused.exit_code != 0 and "support.resolution@3" in refused.output
    report = CliRunner().invoke(main, ["compare", str(original), str(new), "--allow-mismatch", "--format", "md"])
    assert report.exit_code == 0, report.output
    assert "| refund (pass→fail) | pass → fail |" in report.stdout  # the verdict the new rubric changes
    assert "| other | fail → fail |" in report.stdout


def _cut_after_two(run_dir: Path) -> set[str]:
    """The run directory as a crash after its first two decisions leaves it: later rows and judgements gone."""
    rows = (run_dir / "trials.jsonl").read_text().splitlines(keepends=True)
    lost = {
        f"{json.loads(r)['suite']}::{json.loads(r)['scenario_id']}[{json.loads(r)['tier']}]#{json.loads(r)['trial']}"
        for r in rows[2:]
    }
    (run_dir / "trials.jsonl").write_text("".join(rows[:2]))
    results = (run_dir / "results.jsonl").read_text().splitlines(keepends=True)
    kept = {(json.loads(r)["scenario_id"], json.loads(r)["trial"]) for r in rows[:2]}
    (run_dir / "results.jsonl").write_text(
        "".join(r for r in results if (json.loads(r)["scenario_id"], json.loads(r)["trial"]) in kept)
    )
    events = (run_dir / "events.jsonl").read_text().splitlines(keepends=True)
    keep = [
        e
        for e in events
        if not (
            json.loads(e).get("type", json.loads(e).get("kind")) in ("judged", "trial_decided", "run_ended")
            and (
                json.loads(e).get("key") in lost or json.loads(e).get("type", json.loads(e).get("kind")) == "run_ended"
            )
        )
    ]
    (run_dir / "events.jsonl").write_text("".join(keep))
    manifest = json.loads((run_dir / "run.json").read_text())
    manifest["status"] = "running"
    (run_dir / "run.json").write_text(json.dumps(manifest))
    return lost


def test_an_interrupted_rejudge_resumes_judging_only_what_is_left(project: Path, server: FakeLLMServer) -> None:
    original = _original(project, server)
    cfg = RejudgeConfig(
        run_dir=original, rubrics=["support.resolution@3"], live=True, base_urls=_urls(server), cache=False
    )
    first = rejudge_run(cfg)
    lost = _cut_after_two(first.run_dir)
    assert len(lost) == 2 and len(_outcomes(first.run_dir)) == 2
    server.reset()

    resumed = rejudge_run(cfg.model_copy(update={"resume": str(first.run_dir)}))
    assert resumed.run_dir == first.run_dir and resumed.status == "complete"
    assert resumed.kept_from_resume == 2 and resumed.decided == 4
    assert len(server.requests) == 2 and {r.role for r in server.requests} == {"judge"}  # only the lost two, judged
    assert _outcomes(first.run_dir) == {
        ("refund", 0): "fail",
        ("refund", 1): "fail",
        ("other", 0): "fail",
        ("other", 1): "fail",
    }
    assert json.loads((first.run_dir / "run.json").read_text())["rejudged_from"] == original.name


def test_judge_failures_are_invalid_never_pass_or_fail(project: Path, server: FakeLLMServer) -> None:
    original = _original(project, server)
    broken = FakeLLMServer()
    broken.add_rule(role="judge", text="not json at all")
    with broken:
        summary = rejudge_run(
            RejudgeConfig(
                run_dir=original, rubrics=["support.resolution@3"], live=True, base_urls=_urls(broken), cache=False
            )
        )
    assert set(_outcomes(summary.run_dir).values()) == {"invalid"}


def test_bad_input_is_one_line(project: Path, server: FakeLLMServer) -> None:
    original = _original(project, server)
    with pytest.raises(
        RejudgeError, match=r"^--rubric support.resolution@9: rubric 'support.resolution' has no version 9"
    ):
        rejudge_run(RejudgeConfig(run_dir=original, rubrics=["support.resolution@9"], live=True))
    with pytest.raises(RejudgeError, match=r"re-judging calls the judge openai:judge-m: pass --live"):
        rejudge_run(RejudgeConfig(run_dir=original, rubrics=["support.resolution@3"]))
    refused = CliRunner().invoke(main, ["rejudge", str(original), "--rubric", "support.resolution@3"])
    assert refused.exit_code == 1 and "pass --live (or EVALKIT_LIVE=1)" in refused.output
    assert len(server.requests) == 4  # only the original run's judge calls: nothing was spent by the refusals


def test_cli_offline_records_the_new_run_in_history(project: Path, server: FakeLLMServer) -> None:
    original = _original(project, server)
    result = CliRunner().invoke(main, ["rejudge", str(original), "--rubric", "support.resolution@3", "--offline"])
    assert result.exit_code == 0, result.output
    new = Path(result.output.split(" -> ")[1].split(" (")[0])
    assert _outcomes(new)[("refund", 0)] == "fail"
    listed = CliRunner().invoke(main, ["history", "runs"])
    assert new.name in listed.output


def test_another_judge_model_is_the_only_model_called(project: Path, server: FakeLLMServer) -> None:
    original = _original(project, server)
    server.reset()
    summary = rejudge_run(
        RejudgeConfig(run_dir=original, judge_model="openai:judge-2", live=True, base_urls=_urls(server), cache=False)
    )
    assert {(r.role, r.model) for r in server.requests} == {("judge", "judge-2")}
    assert json.loads((summary.run_dir / "run.json").read_text())["models"]["judge"] == ["openai:judge-2"]
    assert _outcomes(summary.run_dir) == _outcomes(original)  # same rubric, same judge rules: same verdicts
