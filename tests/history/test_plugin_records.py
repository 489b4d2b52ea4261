"""The pytest plugin records every run into history at its end; history can never fail or crash the run."""

from __future__ import annotations

import textwrap

import pytest
from sqlalchemy import create_engine, select

from evalkit.history.schema import gates, runs, trials
from evalkit.plugin.preload import preload_engine

preload_engine()  # pytester's inline runs drop modules first imported inside them

AGENT = """
def agent(messages):
    return "Done: your order is refunded." if "refund" in messages[-1]["content"] else "Hello!"
"""
SUITE = """
suite: tiny
agent: tiny_agent:agent
trials: 2
gate: {scenario_pass_rate: 0.5}
scenarios:
  - id: good
    goal: get a refund
    turns: [{user: "refund please"}]
    checks: [{contains: "refunded"}]
  - id: bad
    goal: say hello
    turns: [{user: "hello"}]
    checks: [{contains: "refunded"}]
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for var in ("EVALKIT_HISTORY_URL", "CI", "GITHUB_ACTIONS", "GITLAB_CI", "GITHUB_STEP_SUMMARY", "EVALKIT_LIVE"):
        monkeypatch.delenv(var, raising=False)
    (pytester.path / "tiny_agent.py").write_text(AGENT)
    (pytester.path / "suites").mkdir()
    (pytester.path / "suites" / "tiny.yaml").write_text(SUITE.lstrip())
    _pyproject(pytester, "")
    return pytester


def _pyproject(pytester: pytest.Pytester, evalkit_table: str) -> None:
    text = '[tool.pytest.ini_options]\npythonpath = ["."]\nasyncio_default_fixture_loop_scope = "function"\n' + (
        f"\n[tool.evalkit]\n{evalkit_table}\n" if evalkit_table else ""
    )
    (pytester.path / "pyproject.toml").write_text(textwrap.dedent(text))


def _rows(url: str) -> tuple[list[dict], list[tuple], list[tuple]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        run_rows = [dict(r) for r in conn.execute(select(runs)).mappings()]
        trial_rows = conn.execute(
            select(trials.c.scenario_id, trials.c.trial, trials.c.outcome).order_by(
                trials.c.scenario_id, trials.c.trial
            )
        ).all()
        gate_rows = conn.execute(select(gates.c.name, gates.c.decision)).all()
    engine.dispose()
    return run_rows, [tuple(t) for t in trial_rows], [tuple(g) for g in gate_rows]


def test_a_plain_pytest_run_is_recorded_with_the_verdict_it_printed(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/agent")
    monkeypatch.setenv("GITHUB_RUN_ID", "42")
    monkeypatch.setenv("GITHUB_HEAD_REF", "fix-refunds")
    result = project.runpytest("suites", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)  # bad fails; the gate (half the scenarios pass) passes
    assert "run verdict: FAIL" in result.stdout.str()
    assert "history not recorded" not in result.stdout.str()

    [run], trial_rows, gate_rows = _rows(f"sqlite:///{project.path / 'reports' / 'history.db'}")
    [run_dir] = [p for p in (project.path / "reports").iterdir() if p.is_dir() and not p.is_symlink()]
    assert (run["run_id"], run["verdict"], run["status"], run["sessions"]) == (run_dir.name, "fail", "complete", 4)
    assert (run["branch"], run["ci_provider"]) == ("fix-refunds", "github")
    assert run["ci_job_url"] == "https://github.com/acme/agent/actions/runs/42"
    assert run["report_path"] == str(run_dir / "report.html")
    assert trial_rows == [("bad", 0, "fail"), ("bad", 1, "fail"), ("good", 0, "pass"), ("good", 1, "pass")]
    assert gate_rows and all(decision in ("pass", "skipped") for _, decision in gate_rows)


def test_an_unreachable_database_costs_one_warning_line_and_nothing_else(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    baseline = project.runpytest("suites", "-p", "no:cacheprovider", "--evalkit-report-dir=plain")
    secret = "Pg-Pa55word-xyz"
    monkeypatch.setenv("EVALKIT_HISTORY_URL", f"postgresql+psycopg://ci:{secret}@127.0.0.1:1/history")
    result = project.runpytest("suites", "-p", "no:cacheprovider")
    assert result.ret == baseline.ret
    result.assert_outcomes(passed=2, failed=1)
    out = result.stdout.str()
    warnings = [line for line in result.outlines if "history not recorded" in line]
    assert len(warnings) == 1 and "postgresql+psycopg://ci:***@127.0.0.1:1/history" in warnings[0]
    assert secret not in out and "Traceback" not in out


def test_history_false_records_nothing(project: pytest.Pytester) -> None:
    _pyproject(project, "history = false")
    project.runpytest("suites", "-p", "no:cacheprovider").assert_outcomes(passed=2, failed=1)
    assert not (project.path / "reports" / "history.db").exists()


def test_a_configured_url_is_used_and_a_bad_value_is_refused_at_start(project: pytest.Pytester) -> None:
    _pyproject(project, 'history = "ci/shared.db"')
    project.runpytest("suites", "-p", "no:cacheprovider").assert_outcomes(passed=2, failed=1)
    assert len(_rows(f"sqlite:///{project.path / 'ci' / 'shared.db'}")[0]) == 1

    _pyproject(project, "history = 12")
    result = project.runpytest("suites", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert f"evalkit: history ({project.path / 'pyproject.toml'}:6 [tool.evalkit]): expected true, false" in err
    assert "Traceback" not in err


SLOW_AGENT = """
import time

def agent(messages):
    text = messages[-1]["content"]
    if "slow" in text:
        time.sleep(1.0)
    return "Done: your order is refunded." if "refund" in text else "Hello!"
"""
SLOW_SUITE = """
suite: slow
agent: tiny_agent:agent
trials: 1
scenarios:
  - id: first-fails
    goal: g
    turns: [{user: "hello"}]
    checks: [{contains: "refunded"}]
""" + "".join(
    f"""  - id: slow-{n}
    goal: g
    turns: [{{user: "slow refund"}}]
    checks: [{{contains: "refunded"}}]
"""
    for n in range(4)
)


def test_an_interrupted_run_is_recorded_as_interrupted_with_what_it_decided(project: pytest.Pytester) -> None:
    (project.path / "tiny_agent.py").write_text(SLOW_AGENT)
    (project.path / "suites" / "tiny.yaml").write_text(SLOW_SUITE.lstrip())
    project.runpytest("suites", "-x", "-p", "no:cacheprovider").assert_outcomes(failed=1)

    [run], trial_rows, _ = _rows(f"sqlite:///{project.path / 'reports' / 'history.db'}")
    assert (run["status"], run["verdict"], run["sessions"]) == ("interrupted", "fail", 1)
    assert trial_rows == [("first-fails", 0, "fail")]


def test_an_xdist_run_is_recorded_once_by_the_controller(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess("suites", "-n", "2", "-p", "no:cacheprovider")
    assert result.ret == 1 and "history not recorded" not in result.stdout.str()
    [run], trial_rows, gate_rows = _rows(f"sqlite:///{project.path / 'reports' / 'history.db'}")
    assert (run["status"], run["verdict"], run["sessions"]) == ("complete", "fail", 4)
    assert trial_rows == [("bad", 0, "fail"), ("bad", 1, "fail"), ("good", 0, "pass"), ("good", 1, "pass")]
    assert gate_rows  # decided by the controller after merging the workers' parts


def test_a_resumed_run_updates_its_row_and_never_duplicates_it(project: pytest.Pytester) -> None:
    (project.path / "tiny_agent.py").write_text(SLOW_AGENT)
    (project.path / "suites" / "tiny.yaml").write_text(SLOW_SUITE.lstrip())
    project.runpytest("suites", "-x", "-p", "no:cacheprovider").assert_outcomes(failed=1)
    project.runpytest("suites", "-p", "no:cacheprovider", "--evalkit-resume=latest").assert_outcomes(
        passed=5, failed=1
    )  # 4 + gate

    [run], trial_rows, _ = _rows(f"sqlite:///{project.path / 'reports' / 'history.db'}")
    assert (run["status"], run["sessions"]) == ("complete", 5)
    assert sorted(s for s, _, _ in trial_rows) == ["first-fails", "slow-0", "slow-1", "slow-2", "slow-3"]
