"""A small evalkit project whose runs the notebook tests read: two suites x two tiers, run through pytest.

Suite `alpha` is judged by an LLM rubric (the fake server's judge passes a refund, fails a greeting and
garbles one scenario into INVALID) plus a check; suite `beta` has checks only (its score rows carry no
rubric version). Both suites have a scenario `refund`, so a join that leaves out `suite` would mix them.
With NB_WORSE=1 the agent stops refunding on tier-b: a second run that is worse on one tier.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from evalkit.testing import FakeLLMServer

TIERS = ("openai:tier-a", "openai:tier-b")

AGENT = '''
import os


def make_agent(model, **params):
    """Refunds when asked (except on tier-b when NB_WORSE=1), greets otherwise."""
    worse = os.environ.get("NB_WORSE") == "1" and model == "tier-b"

    def agent(messages):
        text = messages[-1]["content"]
        if "garble" in text:
            return "Noted: garble."
        if "refund" in text and not worse:
            return "Done: your order is refunded."
        return "Hello! How can I help?"

    return agent


make_agent.evalkit_factory = True
'''

RUBRIC = """
id: nb.resolution
version: 1
judge: {model: "openai:judge-model"}
criteria:
  - id: resolved
    question: Was the order refunded?
    scale: binary
    must_pass: true
"""

ALPHA = """
suite: alpha
agent: {kind: factory, target: nb_agent:make_agent}
agent_models: [openai:tier-a, openai:tier-b]
rubrics: [nb.resolution@1]
trials: 2
gate: {scenario_pass_rate: 0.5, suite_mean_lower_ci: 0.2, max_invalid_rate: 0.5}
scenarios:
  - id: refund
    goal: get a refund
    turns: [{user: "refund please"}]
    checks: [{contains: "refunded"}]
  - id: greet
    goal: get a refund
    turns: [{user: "hello there"}]
  - id: garbled
    goal: get a refund
    turns: [{user: "garble please"}]
"""

BETA = """
suite: beta
agent: {kind: factory, target: nb_agent:make_agent}
agent_models: [openai:tier-a, openai:tier-b]
trials: 2
gate: {scenario_pass_rate: 0.5}
scenarios:
  - id: refund
    goal: get a refund
    turns: [{user: "refund now"}]
    checks: [{contains: "refunded"}]
  - id: wave
    goal: say hello
    turns: [{user: "hi"}]
    checks: [{contains: "Hello"}]
"""

PYPROJECT = """
[tool.pytest.ini_options]
pythonpath = ["."]
asyncio_default_fixture_loop_scope = "function"

[tool.evalkit]
suites = ["suites"]

[tool.evalkit.prices]
"openai:judge-model" = {input = 1.0, output = 2.0}
"""


def _verdict(score: bool, quote: str, reasoning: str) -> dict[str, Any]:
    return {"resolved": {"reasoning": reasoning, "evidence": [{"turn": 2, "quote": quote}], "score": score}}


def judge_rules(server: FakeLLMServer) -> None:
    """The judge reads the agent's reply: refunded passes, a greeting fails, 'garble' gets no JSON."""
    server.add_rule(role="judge", match="Noted: garble.", text="this is not JSON")
    server.add_rule(
        role="judge",
        match="How can I help?",
        json=_verdict(False, "How can I help?", "The agent never refunded the order."),
    )
    server.add_rule(role="judge", match="is refunded", json=_verdict(True, "refunded", "The agent refunded it."))


def write_project(root: Path) -> Path:
    files = {
        "pyproject.toml": PYPROJECT,
        "nb_agent.py": AGENT,
        "rubrics/nb/resolution.yaml": RUBRIC,
        "suites/alpha.yaml": ALPHA,
        "suites/beta.yaml": BETA,
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    return root


def run_pytest(root: Path, server: FakeLLMServer, junit: Path, worse: bool = False) -> subprocess.CompletedProcess[str]:
    """One pytest run of both suites against the fake judge; returns the finished process."""
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
    for name in ("EVALKIT_LIVE", "GITHUB_STEP_SUMMARY", "CI", "GITHUB_ACTIONS", "PYTEST_ADDOPTS", "NB_WORSE"):
        env.pop(name, None)
    env.update(OPENAI_API_KEY="sk-fake-notebooks", NB_WORSE="1" if worse else "0")
    args = [
        sys.executable,
        "-m",
        "pytest",
        "suites",
        "-p",
        "no:cacheprovider",
        "--evalkit-live",
        "--evalkit-no-cache",
        f"--evalkit-base-url=openai={server.openai_base_url}",
        f"--junitxml={junit}",
    ]
    proc = subprocess.run(args, cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode in (0, 1), proc.stdout[-3000:] + proc.stderr[-2000:]
    return proc
