"""A small evalkit project on disk and the fake-model rules that answer it (deterministically).

Every session carries a marker `ref-<seed>` (the simulator puts its trial seed into
the user's words), so each request the fake server records can be traced to its session.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from evalkit.llm.request import LLMRequest
from evalkit.testing import Rule

REF = re.compile(r"ref-(\d+)")


def write_project(
    root: Path, scenarios: int = 3, trials: int = 2, turns: int = 2, judge_base_url: str | None = None
) -> Path:
    """Write rubrics/quality.yaml and suites/run.yaml under `root`; return the suite path."""
    (root / "rubrics").mkdir(parents=True, exist_ok=True)
    (root / "suites").mkdir(parents=True, exist_ok=True)
    judge: dict[str, Any] = {"model": "openai:judge-m"}
    if judge_base_url:
        judge["base_url"] = judge_base_url
    rubric = {
        "id": "quality",
        "version": 1,
        "judge": judge,
        "criteria": [
            {"id": "helpful", "question": "Was the agent helpful?"},
            {"id": "tone", "question": "How polite was it?", "scale": {"min": 1, "max": 5}},
        ],
    }
    (root / "rubrics" / "quality.yaml").write_text(json.dumps(rubric))
    suite = {
        "suite": "runtest",
        "agent": {
            "kind": "model",
            "model": "openai:agent-m",
            "system_prompt": "You help with orders.",
            "tools": ["run_tools:lookup_order"],
        },
        "simulator": {"model": "openai:sim-m"},
        "rubrics": ["quality@1"],
        "trials": trials,
        "defaults": {"max_turns": turns + 2},
        "scenarios": [{"id": f"sc{i}", "goal": f"Find out where order {i} is."} for i in range(scenarios)],
    }
    path = root / "suites" / "run.yaml"
    path.write_text(json.dumps(suite))
    return path


def _simulator(turns: int, varied: bool):
    def reply(request: LLMRequest) -> dict[str, Any]:
        said = sum(1 for m in request.messages if m.role == "assistant")  # the simulator's own earlier turns
        wanted = turns
        if varied:  # scenario scN talks for 1 + N % 4 turns, so sessions end at different times
            found = re.search(r"order (\d+) is", request.system)
            wanted = 1 + int(found.group(1)) % 4 if found else turns
        if said >= wanted:
            return {"tool_calls": [{"name": "end_conversation", "arguments": {"reason": "goal_met"}}]}
        return {"text": f"Question {said + 1} about my parcel, ref-{request.params.get('seed')}."}

    return reply


def _agent(request: LLMRequest) -> dict[str, Any]:
    last = request.messages[-1]
    if last.role == "tool":
        return {"text": "Your order has shipped."}
    asked = sum(1 for m in request.messages if m.role == "user")
    if asked % 2 == 1 and request.tools:
        return {"tool_calls": [{"name": "lookup_order", "arguments": {"order_id": "12"}}]}
    return {"text": "Anything else I can check?"}


def _score(prop: dict[str, Any], defs: dict[str, Any]) -> Any:
    if "$ref" in prop:
        prop = defs.get(prop["$ref"].rsplit("/", 1)[-1], {})
    score = (prop.get("properties") or {}).get("score", {})
    return True if score.get("type") == "boolean" else 4


def _judge(request: LLMRequest) -> dict[str, Any]:
    schema = request.output_schema or {}
    defs = schema.get("$defs", {})
    verdict = {
        key: {"reasoning": "Looks fine.", "evidence": [], "score": _score(p, defs)}
        for key, p in schema.get("properties", {}).items()
    }
    return {"json": verdict}


def rules(turns: int = 2, varied: bool = False) -> list[Rule]:
    return [
        Rule(role="simulator", handler=_simulator(turns, varied)),
        Rule(role="judge", handler=_judge),
        Rule(role="agent", handler=_agent),
    ]


def session_ref(body: dict[str, Any]) -> str | None:
    """Which session a recorded request belongs to (its seed), or None for a session's first simulator call."""
    if body.get("seed") is not None and not REF.search(json.dumps(body.get("messages", []))):
        return str(body["seed"])
    found = REF.search(json.dumps(body))
    return found.group(1) if found else None
