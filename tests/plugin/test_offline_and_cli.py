"""`--evalkit-offline` (a local endpoint for evalkit and SDK agents) and the `evalkit run` wrapper."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from plugin_helpers import TINY_SUITE, Project

from evalkit.plugin.commands import pytest_args, split_pytest_args

SDK_AGENT = """
from openai import OpenAI

def make_agent(model=None):
    client = OpenAI()  # base URL and key come from the environment, as in production code

    def agent(messages):
        reply = client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": messages[-1]["content"]}])
        return reply.choices[0].message.content

    return agent

make_agent.evalkit_factory = True
"""

OFFLINE_SUITE = """
suite: sdk
agent: sdk_agent:make_agent
agent_models: [openai:gpt-4.1-mini]
simulator: {model: "openai:gpt-4.1-mini"}
offline_rules: rules/offline.yaml
trials: 2
scenarios:
  - id: refund
    goal: get a refund
    opening: refund my order
    max_turns: 2
    checks: [{contains: "refunded by the fake"}]
"""

OFFLINE_RULES = """
rules:
  - {role: simulator, text: "###STOP###"}
  - {role: agent, text: "Your order is refunded by the fake model."}
"""


def test_offline_points_evalkit_and_sdk_agents_at_the_fake_server(project: Project, monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    project.write("sdk_agent.py", SDK_AGENT)
    project.suite(OFFLINE_SUITE, "suites/sdk.yaml")
    project.write("suites/rules/offline.yaml", OFFLINE_RULES)
    result = project.pytester.runpytest("suites", "--evalkit-offline", "-p", "no:cacheprovider", "--evalkit-no-cache")
    result.assert_outcomes(passed=2)  # the scenario and its gate
    assert "live run estimate" not in result.stdout.str()  # offline spends nothing
    assert "cost (list-price estimate; offline run, nothing spent):" in result.stdout.str()
    [run_dir] = project.run_dirs()
    config = json.loads((run_dir / "run.json").read_text())["config"]
    assert config["offline"] is True and "base_urls" not in config  # the fake server's address is not kept
    rows = project.trials()
    assert [r["outcome"] for r in rows] == ["pass", "pass"]
    assert "OPENAI_BASE_URL" not in os.environ and "OPENAI_API_KEY" not in os.environ  # restored after the run


def test_run_command_builds_the_pytest_command_line(project: Project) -> None:
    project.suite()
    args = pytest_args(
        ("suites",),
        {"offline": True, "trials": 2, "agent_models": "openai:a,openai:b", "live": False},
        ("-k", "refund"),
    )
    assert args[0] == "suites" and f"--rootdir={project.path}" in args
    assert "--evalkit-suites=suites" in args and "--evalkit-offline" in args and "--evalkit-live" not in args
    assert "--evalkit-trials=2" in args and "--evalkit-agent-models=openai:a,openai:b" in args
    assert args[-2:] == ["-k", "refund"]
    assert split_pytest_args(("suites", "evals/x.yaml", "-k", "refund", "-x")) == (
        ("suites", "evals/x.yaml"),
        ("-k", "refund", "-x"),
    )


def test_evalkit_run_runs_suites_and_writes_the_report(project: Project) -> None:
    project.suite(TINY_SUITE, "evals/tiny.yaml")  # outside the default suites/ directory
    evalkit = Path(sys.executable).with_name("evalkit")  # the console script the README uses
    result = project.pytester.run(str(evalkit), "run", "evals", "--trials", "1", "-q")
    out = result.stdout.str()
    assert result.ret == 1  # `bad` fails
    assert "evals/tiny.yaml::bad" in out
    [run_dir] = project.run_dirs()
    assert f"evalkit: report {run_dir / 'report.html'}" in out
    assert (run_dir / "report.html").is_file()
    assert len(project.trials(run_dir)) == 2  # --trials 1 over two scenarios
    gates = json.loads((run_dir / "run.json").read_text())["gates"]
    assert [(g["suite"], g["name"], g["decision"]) for g in gates] == [("tiny", "invalid_rate", "pass")]
    html = (run_dir / "report.html").read_text()
    assert gates[0]["detail"] in html and "derived by the report" not in html  # written after the gates
    (run_dir / "report.html").unlink()
    result = project.pytester.run(str(evalkit), "run", "evals", "--resume", "latest", "-q")
    assert f"evalkit: report {run_dir / 'report.html'}" in result.stdout.str()  # a resumed run's report is rewritten
    assert (run_dir / "report.html").is_file() and project.run_dirs() == [run_dir]


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one-process", "xdist"])
def test_broken_offline_rules_stop_the_run_with_a_clear_message(project: Project, workers: list[str]) -> None:
    """Once: under xdist the controller's preflight found it, and pytest.exit that early printed it twice."""
    project.write("sdk_agent.py", SDK_AGENT)
    project.suite(OFFLINE_SUITE, "suites/sdk.yaml")
    project.write("suites/rules/offline.yaml", "rules:\n  - {role: agent}\n")  # a rule with no reply
    run = project.pytester.runpytest_subprocess if workers else project.pytester.runpytest
    result = run("suites", "--evalkit-offline", "-p", "no:cacheprovider", *workers)
    out = result.stdout.str() + result.stderr.str()
    assert result.ret == 4
    assert out.count("evalkit: bad offline_rules file:") == 1 and "offline.yaml:2" in out, out
    assert "Traceback" not in out


def test_readme_demo_runs_offline_without_a_key(tmp_path: Path) -> None:
    """`evalkit demo` (trimmed to one scenario and one trial) with no API key in sight."""
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.endswith("_BASE_URL")}
    env.pop("EVALKIT_LIVE", None)
    evalkit = Path(sys.executable).with_name("evalkit")
    proc = subprocess.run(
        [str(evalkit), "demo", "--trials", "1", "--report-dir", str(tmp_path), "-k", "order-status"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = proc.stdout
    assert proc.returncode in (0, 1), out[-3000:] + proc.stderr[-2000:]  # tests ran (1: a gate on one trial)
    [run_dir] = [p for p in tmp_path.iterdir() if p.is_dir() and not p.is_symlink()]
    trials = [json.loads(line) for line in (run_dir / "trials.jsonl").read_text().splitlines()]
    assert sorted(t["tier"] for t in trials) == [
        "openai:gpt-4.1",
        "openai:gpt-4.1-mini",
    ]  # the tier is the model as named
    assert all(t["outcome"] in ("pass", "fail") for t in trials)  # judged for real, nothing invalid
    assert (run_dir / "report.html").is_file() and f"evalkit: report {run_dir / 'report.html'}" in out
    assert "cost (list-price estimate; offline run, nothing spent)" in (run_dir / "report.html").read_text()
