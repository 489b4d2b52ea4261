"""Execution under -x, pytest-xdist and pytest-asyncio, and the `evalkit` fixture / run_scenario API."""

from __future__ import annotations

import json

from plugin_helpers import TINY_SUITE, Project

PASSING = TINY_SUITE.replace('turns: [{user: "hello"}]', 'turns: [{user: "refund it"}]')

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


def test_exitfirst_stops_scheduling_after_the_first_failure(project: Project) -> None:
    project.suite(SLOW_SUITE, "suites/slow.yaml")
    result = project.pytester.runpytest("suites", "-x", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    assert "stopping after 1 failures" in result.stdout.str()
    [run_dir] = project.run_dirs()
    manifest = json.loads((run_dir / "run.json").read_text())
    assert manifest["status"] == "interrupted"
    assert [r["scenario_id"] for r in project.trials(run_dir)] == ["first-fails"]  # the slow ones never finished


def test_xdist_workers_merge_into_one_run_and_one_summary(project: Project) -> None:
    project.suite(
        TINY_SUITE.replace(
            "gate: {scenario_pass_rate: 0.5}", "gate: {scenario_pass_rate: 0.5, suite_mean_lower_ci: 0.3}"
        )
    )
    result = project.pytester.runpytest_subprocess("suites", "-n", "2", "-p", "no:cacheprovider")
    out = result.stdout.str()
    assert result.ret == 1  # `bad` fails
    assert out.count("evalkit summary") == 1
    assert "gate tiny[default]: INCONCLUSIVE" in out
    [run_dir] = project.run_dirs()
    manifest = json.loads((run_dir / "run.json").read_text())
    assert manifest["workers"] == 2 and manifest["status"] == "complete"
    gates = {g["name"]: g for g in manifest["gates"]}  # decided by the controller after merging
    assert gates["suite_mean"]["decision"] == "inconclusive" and gates["suite_mean"]["suite"] == "tiny"
    assert gates["invalid_rate"]["tier"] == "default"
    rows = project.trials(run_dir)
    assert sorted((r["scenario_id"], r["trial"]) for r in rows) == [("bad", 0), ("bad", 1), ("good", 0), ("good", 1)]
    assert all((run_dir / r["transcript_path"]).is_file() for r in rows)
    assert not (project.path / "reports" / ".evalkit-workers").exists()


def test_coexists_with_pytest_asyncio(project: Project) -> None:
    project.suite(PASSING)
    project.write(
        "test_async.py",
        """
        import asyncio
        import pytest

        @pytest.mark.asyncio
        async def test_async_before():
            await asyncio.sleep(0)

        def test_policy_untouched():
            assert type(asyncio.get_event_loop_policy()).__module__.startswith("asyncio")

        @pytest.mark.asyncio
        async def test_async_after():
            assert asyncio.get_running_loop().is_running()
        """,
    )
    result = project.pytester.runpytest_subprocess("test_async.py", "suites", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=6)
    assert result.ret == 0


def test_evalkit_fixture_runs_a_scenario_with_a_python_agent(project: Project) -> None:
    project.suite()
    project.write(
        "test_api.py",
        """
        def test_suite_agent(evalkit):
            result = evalkit.run_scenario("good", trials=2)
            assert result.passed and len(result.trials) == 2

        def test_python_object_agent(evalkit):
            def polite(messages):
                return "All done, refunded."
            assert evalkit.run_scenario("bad", agent=polite, trials=1).passed

        def test_failure_explains_itself(evalkit):
            result = evalkit.run_scenario("bad", trials=1)
            assert result.passed
        """,
    )
    result = project.pytester.runpytest("test_api.py", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    out = result.stdout.str()
    assert "bad[default] FAILED: 0/1 valid trials passed" in out
    assert "checks:contains: failed 1/1" in out and "transcript: " in out


def test_resume_reports_the_kept_trials_without_running_them_again(project: Project) -> None:
    project.suite()
    project.pytester.runpytest("suites", "-p", "no:cacheprovider")
    [run_dir] = project.run_dirs()
    (project.path / "tiny_agent.py").write_text("def agent(messages):\n    raise RuntimeError('must not run')\n")
    result = project.pytester.runpytest("suites", "-p", "no:cacheprovider", "--evalkit-resume=latest")
    result.assert_outcomes(passed=2, failed=1)  # good and the gate pass, bad fails: as before
    assert project.run_dirs() == [run_dir]
    assert len(project.trials(run_dir)) == 4
    assert json.loads((run_dir / "run.json").read_text())["resumed_at"]


def test_xdist_resume_of_a_changed_suite_is_refused_once_before_any_verdict(project: Project) -> None:
    """Workers used to refuse each item while the controller printed the old run's gate as PASS."""
    project.suite()
    project.pytester.runpytest_subprocess("suites", "-n", "2", "-p", "no:cacheprovider")
    [run_dir] = project.run_dirs()
    suite = project.path / "suites" / "tiny.yaml"
    suite.write_text(suite.read_text() + "\n# edited\n")
    result = project.pytester.runpytest_subprocess(
        "suites", "-n", "2", "-p", "no:cacheprovider", "--evalkit-resume=latest"
    )
    assert result.ret == 4  # a usage error, as a one-process resume of a changed suite is
    err = result.stderr.str()
    assert "tiny.yaml changed since the run started; start a new run" in err
    assert "Traceback" not in err and "run verdict" not in result.stdout.str()
    assert len(project.trials(run_dir)) == 4  # nothing ran again


def test_run_scenario_finds_the_one_suite_holding_the_scenario(project: Project) -> None:
    import pytest

    from evalkit.plugin.api import _find_suite

    project.suite()
    project.suite(
        TINY_SUITE.replace("suite: tiny", "suite: other").replace("id: good", "id: other-good"), "suites/other.yaml"
    )
    project.write("suites/broken.yaml", "suite: broken\nscenarios: {id: [\n")  # must not hide the others
    assert _find_suite("good", None).path.name == "tiny.yaml"
    assert _find_suite("other-good", None).path.name == "other.yaml"
    with pytest.raises(ValueError, match=r"exactly one suite \(.*other\.yaml, .*tiny\.yaml\)"):
        _find_suite("bad", None)  # in both
    with pytest.raises(ValueError, match="no suite under"):
        _find_suite("nowhere", None)
