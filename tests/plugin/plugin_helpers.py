"""Helpers for the plugin tests: a tiny project in pytester's directory and what a run leaves behind."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from evalkit.testing import FakeLLMServer

AGENT = '''
import time

def agent(messages):
    """Refunds when asked; sleeps when told to, so tests can hold sessions open."""
    text = messages[-1]["content"]
    if "slow" in text:
        time.sleep(1.0)
    return "Done: your order is refunded." if "refund" in text else "Hello! How can I help?"
'''

TINY_SUITE = """
suite: tiny
agent: tiny_agent:agent
trials: 2
gate: {scenario_pass_rate: 0.5}
scenarios:
  - id: good
    goal: get a refund
    turns: [{user: "refund please"}]
    checks: [{contains: "refunded"}]
    tags: [refund]
  - id: bad
    goal: say hello
    turns: [{user: "hello"}]
    checks: [{contains: "refunded"}]
    tags: [greeting]
"""

JUDGED_RUBRIC = """
id: tiny.resolution
version: 1
judge: {model: "openai:judge-model"}
criteria:
  - id: resolved
    question: Was the order refunded?
    scale: binary
    must_pass: true
"""


def judge_reply(
    score: bool, quote: str = "refunded", reasoning: str = "The agent confirmed the refund."
) -> dict[str, Any]:
    return {"resolved": {"reasoning": reasoning, "evidence": [{"turn": 2, "quote": quote}], "score": score}}


class Project:
    """Writes files into the pytester project and reads what a run left in reports/."""

    def __init__(self, pytester: pytest.Pytester) -> None:
        self.pytester = pytester
        self.path = pytester.path
        pytester.makepyprojecttoml(
            """
            [tool.pytest.ini_options]
            pythonpath = ["."]
            asyncio_default_fixture_loop_scope = "function"
            """
        )
        self.write("tiny_agent.py", AGENT)

    def write(self, rel: str, text: str) -> Path:
        path = self.path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
        return path

    def suite(self, text: str = TINY_SUITE, name: str = "suites/tiny.yaml") -> Path:
        return self.write(name, text)

    def run_dirs(self) -> list[Path]:
        reports = self.path / "reports"
        if not reports.is_dir():
            return []
        return sorted(p for p in reports.iterdir() if p.is_dir() and not p.is_symlink() and (p / "run.json").exists())

    def trials(self, run_dir: Path | None = None) -> list[dict[str, Any]]:
        run_dir = run_dir or self.run_dirs()[-1]
        return [json.loads(line) for line in (run_dir / "trials.jsonl").read_text().splitlines() if line.strip()]


def base_url_args(server: FakeLLMServer) -> list[str]:
    return [f"--evalkit-base-url=openai={server.openai_base_url}", "--evalkit-no-cache", "-p", "no:cacheprovider"]


JUDGED_SUITE = """
suite: judged
agent: tiny_agent:agent
rubrics: [tiny.resolution@1]
trials: 2
gate: {scenario_pass_rate: 0.5, max_invalid_rate: 0.5}
scenarios:
  - id: passes
    goal: get a refund
    turns: [{user: "refund please"}]
  - id: fails
    goal: get a refund
    turns: [{user: "hello there"}]
  - id: broken-judge
    goal: get a refund
    turns: [{user: "invalid me"}]
"""

SIMULATED_SUITE = """
suite: simmed
agent: tiny_agent:agent
simulator: {model: "openai:sim-model"}
trials: 2
scenarios:
  - id: alpha
    goal: ALPHA-GOAL get a refund
    opening: refund please
    max_turns: 2
    checks: [{contains: "refunded"}]
  - id: beta
    goal: BETA-GOAL say hello
    opening: hello
    max_turns: 2
"""


def judged_project(project: Project, server: FakeLLMServer) -> None:
    """A suite judged by an LLM rubric whose judge (the fake server) passes, fails or garbles per scenario."""
    project.write("rubrics/tiny/resolution.yaml", JUDGED_RUBRIC)
    project.suite(JUDGED_SUITE, "suites/judged.yaml")
    server.add_rule(role="judge", match="invalid me", text="this is not JSON")
    server.add_rule(
        role="judge",
        match="hello there",
        json=judge_reply(False, "How can I help?", "The agent never refunded the order; it only greeted."),
    )
    server.add_rule(role="judge", match="refund please", json=judge_reply(True))


def simulated_project(project: Project, server: FakeLLMServer) -> None:
    project.suite(SIMULATED_SUITE, "suites/simmed.yaml")
    server.add_rule(role="simulator", text="###STOP###")


def requests_mentioning(server: FakeLLMServer, needle: str) -> int:
    return sum(needle in json.dumps(r.body) for r in server.requests)
