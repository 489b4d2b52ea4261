"""A project whose offline rules script the judge, a real run of it, and labels that agree with it or not.

The judge answers from the trial's seed (the simulator writes "ref-<seed>" in
the user turn), and so do the constructed human labels, by other rules: which
items agree, and so the confusion matrix, is known by construction.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from pathlib import Path
from typing import Any

from evalkit.llm import ModelHub
from evalkit.llm.request import LLMRequest
from evalkit.llm.rules_file import load_rules
from evalkit.run import RunConfig, execute_run, plan_run
from evalkit.spec import load_suite
from evalkit.testing import FakeLLMServer, hub_config_for

RUBRIC_REF = "quality@1"
JUDGE = "openai:judge-m"
SCENARIOS = {"sc0": 3, "sc1": 3, "sc2": 3, "sc3": 3}
REPLY = "Your order 12 has shipped and arrives on Friday."
_SEED = re.compile(r"ref-(\d+)")

RULES = """
rules:
  - {role: simulator, handler: "calib_project:simulator"}
  - {role: agent, handler: "calib_project:agent"}
  - {role: judge, handler: "calib_project:judge"}
"""


def rubric(question: str = "Did the agent tell the user where the order is?") -> dict[str, Any]:
    return {
        "id": "quality",
        "version": 1,
        "description": "Was the order question answered well?",
        "judge": {"model": JUDGE, "samples": 1, "temperature": 0},
        "criteria": [
            {"id": "helpful", "question": question},
            {
                "id": "tone",
                "question": "How polite was the agent?",
                "scale": {"min": 1, "max": 5},
                "anchors": {1: "Rude", 3: "Neutral", 5: "Warm and precise"},
            },
        ],
    }


def write_project(root: Path) -> Path:
    for sub in ("rubrics", "suites/rules"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'calibration-tests'\n")
    (root / "rubrics" / "quality.yaml").write_text(json.dumps(rubric()))
    (root / "suites" / "rules" / "offline.yaml").write_text(RULES)
    suite = {
        "suite": "calib",
        "agent": {
            "kind": "model",
            "model": "openai:agent-m",
            "system_prompt": "You help with orders.",
            "tools": ["calib_tools:lookup_order"],
        },
        "simulator": {"model": "openai:sim-m"},
        "offline_rules": "rules/offline.yaml",
        "rubrics": [RUBRIC_REF],
        "trials": 1,
        "defaults": {"max_turns": 3},
        "scenarios": [
            {"id": sid, "goal": f"Find out where order {i} is.", "trials": n}
            for i, (sid, n) in enumerate(SCENARIOS.items())
        ],
    }
    path = root / "suites" / "calib.yaml"
    path.write_text(json.dumps(suite))
    return path


# ---------------------------------------------------------------- the scripted models


def simulator(request: LLMRequest) -> dict[str, Any]:
    if any(m.role == "assistant" for m in request.messages):
        return {"tool_calls": [{"name": "end_conversation", "arguments": {"reason": "goal_met"}}]}
    return {"text": f"Where is my parcel? ref-{request.params.get('seed')}"}


def agent(request: LLMRequest) -> dict[str, Any]:
    if request.messages[-1].role == "tool":
        return {"text": REPLY}
    return {"tool_calls": [{"name": "lookup_order", "arguments": {"order_id": "12"}}]}


def judge_says(seed: int) -> tuple[bool, int]:
    """What the judge answers for a trial: (helpful, tone 1..5)."""
    return seed % 4 != 0, 1 + (seed * 7) % 5


def human_says(seed: int) -> tuple[bool, int]:
    """What the constructed labeller answers: agrees with the judge on some seeds, not on others."""
    return seed % 3 != 0, 1 + (seed * 7 + seed % 2) % 5


def seed_of(text: str) -> int:
    found = _SEED.search(text)
    return int(found.group(1)) if found else 1


JUDGE_CALLS: list[str] = []  # one entry per judge request the fake server answered (list.append is atomic)


def judge(request: LLMRequest) -> dict[str, Any]:
    JUDGE_CALLS.append(request.model)
    helpful, tone = judge_says(seed_of(json.dumps([m.content for m in request.messages])))
    quote = {"turn": 4, "quote": "has shipped"}
    return {
        "json": {
            "helpful": {"reasoning": "It said where.", "evidence": [quote], "score": helpful},
            "tone": {"reasoning": "Polite.", "evidence": [quote], "score": tone},
        }
    }


def make_run(root: Path) -> Path:
    """Write the project under `root`, run it against the fake server, return the run directory."""
    suite_path = write_project(root)
    rules = load_rules(root / "suites" / "rules" / "offline.yaml")
    with FakeLLMServer(rules) as server:
        suite = load_suite(suite_path, root=root)
        config = RunConfig(report_dir=root / "reports", fsync_interval_s=0, cache=False)

        async def go() -> Path:
            async with ModelHub(hub_config_for(server, no_cache=True)) as hub:
                return (await execute_run(plan_run([suite], config), config, hub)).run_dir

        return asyncio.run(go())


# ---------------------------------------------------------------- labels


def citation(index: int) -> dict[str, Any]:
    """The labeller cites the agent's answer (turn 4, where the judge cites too) on even items, else the question."""
    return {"turn": 4, "quote": "has shipped"} if index % 2 == 0 else {"turn": 1}


def write_labels(project: Path, run_dir: Path, agree: bool = False) -> tuple[Path, list[dict[str, Any]]]:
    """labels/quality.jsonl: every trial labelled by 'ann' (the first trial as dev), three also by 'bob'.

    `agree`: ann labels exactly what the judge answers (and bob agrees with her).
    """
    trials = [json.loads(line) for line in (run_dir / "trials.jsonl").read_text().splitlines()]
    fingerprint = next(
        json.loads(line)["rubric_fingerprint"] for line in (run_dir / "results.jsonl").read_text().splitlines()
    )
    out = project / "labels" / "quality.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    for index, trial in enumerate(sorted(trials, key=lambda t: t["transcript_path"])):
        path = (run_dir / trial["transcript_path"]).resolve()
        seed = seed_of(path.read_text())
        helpful, tone = judge_says(seed) if agree else human_says(seed)
        base = {
            "transcript": os.path.relpath(path, out.parent.resolve()),
            "transcript_hash": trial["transcript_hash"],
            "rubric": RUBRIC_REF,
            "rubric_fingerprint": fingerprint,
            "date": "2026-12-01",
            "cluster": trial["scenario_id"],
            "split": "dev" if index == 0 else "holdout",
            "labeller": "ann",
            "verdict": "pass" if helpful else "fail",
            "criteria": {"helpful": {"score": helpful, "cited": [citation(index)]}, "tone": {"score": tone}},
            "_seed": seed,
        }
        rows.append(base)
        if 1 <= index <= 3:
            other = not helpful if index == 1 and not agree else helpful
            rows.append(
                {
                    **base,
                    "labeller": "bob",
                    "verdict": "pass" if other else "fail",
                    "criteria": {"helpful": {"score": other, "cited": [citation(index)]}, "tone": {"score": tone}},
                }
            )
    out.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "_seed"}) + "\n" for r in rows))
    return out, rows
