"""A real run directory for label tests: the run engine over FakeLLMServer, judged with 3 samples.

Three scenarios with 2, 4 and 6 trials (unequal strata). The judge answers each
transcript's samples from a fixed list, so some trials get disagreeing samples
(a known spread) and the rest agree; which ones is decided by the trial's seed.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

from evalkit.llm import ModelHub
from evalkit.llm.request import LLMRequest
from evalkit.run import RunConfig, execute_run, plan_run
from evalkit.spec import load_suite
from evalkit.testing import FakeLLMServer, Rule, hub_config_for

TRIALS = {"sc0": 2, "sc1": 4, "sc2": 6}
RUBRIC_REF = "quality@1"
REPLY = "Your order 12 has shipped and arrives on Friday."
_SEED = re.compile(r"ref-(\d+)")


def write_project(root: Path) -> Path:
    """rubrics/quality.yaml (binary + 1..5 scale with anchors, 3 judge samples) and suites/labels.yaml."""
    (root / "rubrics").mkdir(parents=True, exist_ok=True)
    (root / "suites").mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'label-tests'\n")
    rubric = {
        "id": "quality",
        "version": 1,
        "description": "Was the order question answered well?",
        "judge": {"model": "openai:judge-m", "samples": 3, "temperature": 0.7},
        "criteria": [
            {"id": "helpful", "question": "Did the agent tell the user where the order is?"},
            {
                "id": "tone",
                "question": "How polite was the agent?",
                "scale": {"min": 1, "max": 5},
                "anchors": {1: "Rude", 3: "Neutral", 5: "Warm and precise"},
            },
            {"id": "looked_up", "check": {"tool_called": {"name": "lookup_order"}}},
        ],
    }
    (root / "rubrics" / "quality.yaml").write_text(json.dumps(rubric))
    suite = {
        "suite": "labels",
        "agent": {
            "kind": "model",
            "model": "openai:agent-m",
            "system_prompt": "You help with orders.",
            "tools": ["label_tools:lookup_order"],
        },
        "simulator": {"model": "openai:sim-m"},
        "rubrics": [RUBRIC_REF],
        "trials": 1,
        "defaults": {"max_turns": 3},
        "scenarios": [
            {"id": sid, "goal": f"Find out where order {i} is.", "trials": n}
            for i, (sid, n) in enumerate(TRIALS.items())
        ],
    }
    path = root / "suites" / "labels.yaml"
    path.write_text(json.dumps(suite))
    return path


def _simulator(request: LLMRequest) -> dict[str, Any]:
    if any(m.role == "assistant" for m in request.messages):
        return {"tool_calls": [{"name": "end_conversation", "arguments": {"reason": "goal_met"}}]}
    return {"text": f"Where is my parcel? ref-{request.params.get('seed')}"}


def _agent(request: LLMRequest) -> dict[str, Any]:
    if request.messages[-1].role == "tool":
        return {"text": REPLY}
    return {"tool_calls": [{"name": "lookup_order", "arguments": {"order_id": "12"}}]}


def disputed(seed: int) -> bool:
    """Trials whose judge samples disagree (the others agree on yes and 4)."""
    return seed % 3 == 0


class _Judge:
    """Per transcript, the n-th sample gets the n-th answer: deterministic whatever order samples arrive in."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = defaultdict(int)
        self.lock = threading.Lock()

    def __call__(self, request: LLMRequest) -> dict[str, Any]:
        text = json.dumps([m.content for m in request.messages])
        key = hashlib.sha256(text.encode()).hexdigest()
        with self.lock:
            index = self.calls[key]
            self.calls[key] += 1
        found = _SEED.search(text)
        seed = int(found.group(1)) if found else 1
        helpful = [True, False, True][index % 3] if disputed(seed) else True
        tone = [2, 4, 5][index % 3] if disputed(seed) else 4
        quote = {"turn": 4, "quote": "has shipped"}
        return {
            "json": {
                "helpful": {"reasoning": "It said where.", "evidence": [quote], "score": helpful},
                "tone": {"reasoning": "Polite.", "evidence": [quote], "score": tone},
            }
        }


def make_run(root: Path) -> Path:
    """Write the project under `root`, run it offline, return the run directory."""
    suite_path = write_project(root)
    rules = [
        Rule(role="simulator", handler=_simulator),
        Rule(role="judge", handler=_Judge()),
        Rule(role="agent", handler=_agent),
    ]
    with FakeLLMServer(rules) as server:
        suite = load_suite(suite_path, root=root)
        config = RunConfig(report_dir=root / "reports", fsync_interval_s=0)

        async def go() -> Path:
            async with ModelHub(hub_config_for(server)) as hub:
                return (await execute_run(plan_run([suite], config), config, hub)).run_dir

        return asyncio.run(go())
