"""--durations and JUnit `time` charge each item its own trials' time, not the concurrent run (issue #15 item 3).

All sessions run at once, so the first item used to wait for the whole run and was charged it (2.43 s,
then 0.01 s for each item after it). An item's call duration is now its trials' recorded session and
judging time; the waits on the run are nobody's, and the session's wall time stays pytest's own.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from plugin_helpers import Project, base_url_args, judged_project

from evalkit.testing import FakeLLMServer

SLEEPY_AGENT = '''
import re
import time

def agent(messages):
    """Sleeps as long as the user's message says (`sleep 0.4`), then refunds."""
    text = messages[-1]["content"]
    wanted = re.search(r"sleep ([0-9.]+)", text)
    if wanted:
        time.sleep(float(wanted.group(1)))
    return "Done: your order is refunded."
'''

SUITE = """
suite: timed
agent: sleepy_agent:agent
trials: 2
scenarios:
  - id: fast
    goal: get a refund
    turns: [{user: "refund please"}]
    checks: [{contains: "refunded"}]
  - id: mid
    goal: get a refund
    turns: [{user: "refund please, sleep 0.4"}]
    checks: [{contains: "refunded"}]
  - id: slow
    goal: get a refund
    turns: [{user: "refund please, sleep 0.8"}]
    checks: [{contains: "refunded"}]
"""
SLACK = 0.3  # pytest's own work on an item beside its trials' time (a loaded 2-core runner included)
SHOWN = 0.01  # --durations prints 2 decimals, JUnit 3


def durations(out: str) -> dict[tuple[str, str], float]:
    """(item name, phase) -> seconds, from pytest's `slowest durations` section."""
    found = re.findall(r"^([\d.]+)s (setup|call|teardown)\s+\S+::(\S+)$", out, re.MULTILINE)
    return {(name, phase): float(seconds) for seconds, phase, name in found}


def junit_times(path: str) -> dict[str, float]:
    return {case.get("name", ""): float(case.get("time", "nan")) for case in ET.parse(path).getroot().iter("testcase")}


def recorded(project: Project) -> dict[str, float]:
    """Each scenario's trials' recorded time: sessions plus judging."""
    own: dict[str, float] = defaultdict(float)
    for row in project.trials():
        own[row["scenario_id"]] += row["latency_s"] + (row.get("judge_latency_s") or 0.0)
    return own


def test_each_item_is_charged_its_own_trials(project: Project) -> None:
    project.write("sleepy_agent.py", SLEEPY_AGENT)
    project.suite(SUITE)
    result = project.pytester.runpytest(
        "suites", "--durations=0", "-vv", "--junitxml=junit.xml", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=4)  # 3 scenarios and the gate
    shown, times, own = durations(result.stdout.str()), junit_times(str(project.path / "junit.xml")), recorded(project)
    assert own["slow"] >= 1.6 and own["mid"] >= 0.8  # two trials each of 0.8 s and 0.4 s of sleep: what is measured
    for name in ("fast", "mid", "slow"):
        assert own[name] - SHOWN <= shown[(name, "call")] <= own[name] + SLACK, (name, shown, own)
        assert own[name] - SHOWN <= times[name] <= own[name] + SLACK, (name, times, own)
        assert shown[(name, "setup")] <= SLACK, (name, shown)  # no wait on the run, though `fast` started it
    assert times["fast"] < times["mid"] < times["slow"]  # the first item no longer carries the whole run
    assert times["[gate]"] <= SLACK


def test_judging_time_is_part_of_an_items_time(project: Project, fake_llm: FakeLLMServer) -> None:
    judged_project(project, fake_llm)
    fake_llm.inject("latency", times=100, latency_s=0.3, role="judge")  # every judge call takes 0.3 s more
    result = project.pytester.runpytest("suites", "--evalkit-live", "--junitxml=junit.xml", *base_url_args(fake_llm))
    result.assert_outcomes(passed=2, failed=2)
    rows = project.trials()
    assert len(rows) == 6 and all((r.get("judge_latency_s") or 0.0) >= 0.3 for r in rows), rows
    times, own = junit_times(str(project.path / "junit.xml")), recorded(project)
    for name in ("passes", "fails", "broken-judge"):
        assert own[name] >= 0.6  # two trials, each judged for 0.3 s or more
        assert own[name] - SHOWN <= times[name] <= own[name] + SLACK, (name, times, own)
