"""The benchmark's synthetic project and the deterministic model behaviour that answers it.

Each session's simulator puts `ref-<trial seed>` into the user's words, so every
request can be traced to its session (the raw-SDK baseline groups calls by it),
and two runs of the same suite send identical requests (the judge cache hits).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from evalkit.llm.mock_rules import Rule
from evalkit.llm.request import LLMRequest

REF = re.compile(r"ref-(\d+)")


def write_project(root: Path, scenarios: int, trials: int, turns: int, provider: str = "openai") -> Path:
    """rubrics/bench.yaml (3 criteria) and suites/bench.yaml under `root`; returns the suite path."""
    (root / "rubrics").mkdir(parents=True, exist_ok=True)
    (root / "suites").mkdir(parents=True, exist_ok=True)
    rubric = {
        "id": "bench",
        "version": 1,
        "judge": {"model": f"{provider}:bench-judge"},
        "criteria": [
            {"id": "resolved", "question": "Did the agent answer where the order is?", "weight": 2},
            {"id": "accurate", "question": "Did the agent only state facts its tools returned?"},
            {"id": "tone", "question": "How courteous was the agent?", "scale": {"min": 1, "max": 5}},
        ],
    }
    (root / "rubrics" / "bench.yaml").write_text(json.dumps(rubric))
    suite = {
        "suite": "bench",
        "agent": {
            "kind": "model",
            "model": f"{provider}:bench-agent",
            "system_prompt": "You help customers with orders.",
            "tools": ["bench_tools:lookup_order"],
        },
        "simulator": {"model": f"{provider}:bench-sim"},
        "rubrics": ["bench@1"],
        "trials": trials,
        "defaults": {"max_turns": turns + 2},
        "scenarios": [
            {"id": f"s{i:05d}", "goal": f"Find out where order {i} is and when it arrives."} for i in range(scenarios)
        ],
    }
    path = root / "suites" / "bench.yaml"
    path.write_text(json.dumps(suite))
    return path


def simulator_reply(turns: int):
    def reply(request: LLMRequest) -> dict[str, Any]:
        said = sum(1 for m in request.messages if m.role == "assistant")  # the simulator's own earlier turns
        if said >= turns:
            return {"tool_calls": [{"name": "end_conversation", "arguments": {"reason": "goal_met"}}]}
        return {"text": f"Question {said + 1} about my parcel, ref-{request.params.get('seed')}."}

    return reply


def agent_reply(request: LLMRequest) -> dict[str, Any]:
    """A tool call on odd user turns (then a text answer after the tool result), text otherwise."""
    if request.messages[-1].role == "tool":
        return {"text": "Your order has shipped and arrives on Tuesday."}
    asked = sum(1 for m in request.messages if m.role == "user")
    if asked % 2 == 1 and request.tools:
        return {"tool_calls": [{"name": "lookup_order", "arguments": {"order_id": "12"}}]}
    return {"text": "Is there anything else I can check for you?"}


def judge_reply(request: LLMRequest) -> dict[str, Any]:
    """A valid verdict for whatever criteria the judge's output schema asks for."""
    schema = request.output_schema or {}
    defs = schema.get("$defs", {})
    verdict = {}
    for key, prop in schema.get("properties", {}).items():
        if "$ref" in prop:
            prop = defs.get(prop["$ref"].rsplit("/", 1)[-1], {})
        kind = (prop.get("properties") or {}).get("score", {}).get("type")
        verdict[key] = {
            "reasoning": "The agent looked the order up and answered.",
            "evidence": [],
            "score": True if kind == "boolean" else 4,
        }
    return {"json": verdict}


def rules(turns: int) -> list[Rule]:
    return [
        Rule(role="simulator", handler=simulator_reply(turns)),
        Rule(role="judge", handler=judge_reply),
        Rule(role="agent", handler=agent_reply),
    ]


def session_of(request: LLMRequest) -> str:
    """The session a request belongs to: its seed (first simulator call) or the ref in its messages."""
    for message in request.messages:
        found = REF.search(message.content)
        if found:
            return found.group(1)
    return str(request.params.get("seed"))
