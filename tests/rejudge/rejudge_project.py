"""A tiny project for re-judge tests: a Python agent, scripted turns (no simulator), rubric v2 and v3 of one id,
and a judge served by FakeLLMServer that reads which version asks (v3 also wants an apology, which the agent
never gives, so v3 flips the `refund` scenario from pass to fail)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from evalkit.llm.request import LLMRequest

AGENT = """
def agent(messages):
    text = messages[-1]["content"]
    return "Done: your order is refunded." if "refund" in text else "I cannot help with that."
"""
RUBRIC = """
id: support.resolution
version: {version}
description: Did the agent resolve the request?
judge: {{model: openai:judge-m, temperature: 0}}
threshold: 0.75
criteria:
  - id: resolved
    question: {question}
    scale: binary
    must_pass: true
"""
QUESTIONS = {2: "Did the agent resolve the request?", 3: "Did the agent resolve the request and apologise?"}
SUITE = """
suite: tiny
agent: rejudge_tiny_agent:agent
judge: {model: openai:judge-m}
rubrics: [support.resolution@2]
trials: 2
offline_rules: rules.yaml
gate: {scenario_pass_rate: 0.5}
scenarios:
  - id: refund
    goal: get a refund
    turns: [{user: "refund please"}]
  - id: other
    goal: something unsupported
    turns: [{user: "change my flight"}]
"""
RULES = """
rules:
  - name: judge
    role: judge
    handler: rejudge_project:judge
"""


def write_project(root: Path) -> Path:
    """The project at `root`; returns its suite file."""
    (root / "rubrics" / "support").mkdir(parents=True)
    for version, question in QUESTIONS.items():
        (root / "rubrics" / "support" / f"resolution.v{version}.yaml").write_text(
            textwrap.dedent(RUBRIC.format(version=version, question=question)).lstrip()
        )
    (root / "suites").mkdir()
    (root / "suites" / "tiny.yaml").write_text(SUITE.lstrip())
    (root / "suites" / "rules.yaml").write_text(RULES.lstrip())
    (root / "rejudge_tiny_agent.py").write_text(AGENT)
    (root / "pyproject.toml").write_text('[tool.pytest.ini_options]\npythonpath = ["."]\n')
    return root / "suites" / "tiny.yaml"


def judge(request: LLMRequest) -> dict[str, Any]:
    """resolved = the agent said "refunded" and, when the rubric asks for it, apologised (it never does)."""
    prompt = "\n".join(str(m.content) for m in request.messages)
    refunded = "refunded" in prompt.split("Did the agent")[0] or "your order is refunded" in prompt
    wants_apology = "apologise" in prompt
    score = refunded and not wants_apology
    quote = "your order is refunded" if "your order is refunded" in prompt else "I cannot help with that"
    return {"json": {"resolved": {"reasoning": "read it", "evidence": [{"turn": 2, "quote": quote}], "score": score}}}
