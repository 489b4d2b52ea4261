"""A suite run offline through pytest: an uninstrumented SDK agent's tool calls decide its checks, its cost is known."""

from __future__ import annotations

import json
import textwrap

import pytest

AGENT = """
import json
from openai import OpenAI

TOOLS = [{"type": "function", "function": {"name": "refund_order", "parameters": {
    "type": "object", "properties": {"order_id": {"type": "string"}}}}}]


def make_agent(model=None, base_url=None):
    client = OpenAI(base_url=base_url)  # evalkit hands the session's capture-proxy address

    def agent(messages):
        history = [{"role": "user", "content": messages[-1]["content"]}]
        for _ in range(3):
            message = client.chat.completions.create(model=model, messages=history, tools=TOOLS).choices[0].message
            if not message.tool_calls:
                return message.content
            history.append(message.model_dump(exclude_none=True))
            for call in message.tool_calls:
                result = {"status": "refunded", **json.loads(call.function.arguments)}
                history.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)})
        return "gave up"

    return agent


make_agent.evalkit_factory = True
"""

SUITE = """
suite: captured
agent: sdk_agent:make_agent
agent_models: [openai:gpt-4.1-mini]
simulator: {model: "openai:gpt-4.1-mini"}
offline_rules: offline.yaml
trials: 1
scenarios:
  - id: refunds
    goal: get order 1234 refunded
    opening: refund order 1234
    max_turns: 1
    checks: [{tool_called: {name: refund_order, args: {order_id: "1234"}}}]
  - id: only-talks
    goal: ask about the weather
    opening: how is the weather
    max_turns: 1
    checks: [{tool_called: {name: refund_order}}]
"""

RULES = """
rules:
  - {role: simulator, text: "###STOP###"}
  - {role: agent, match: "refund order 1234", tool_calls: [{name: refund_order, arguments: {order_id: "1234"}}]}
  - {role: agent, match: "refunded", text: "Order 1234 is refunded."}
  - {role: agent, text: "Sunny."}
"""


def test_captured_tool_calls_decide_the_checks_and_the_agent_cost_is_measured(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OPENAI_BASE_URL", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-not-used-offline")  # the client is built once before the run starts too
    pytester.makepyprojecttoml('[tool.pytest.ini_options]\npythonpath = ["."]\n')
    files = {"sdk_agent.py": AGENT, "suites/captured.yaml": SUITE, "suites/offline.yaml": RULES}
    for rel, text in files.items():
        path = pytester.path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    result = pytester.runpytest_subprocess(
        "suites", "--evalkit-offline", "-p", "no:cacheprovider", "--evalkit-no-cache", "--evalkit-no-progress", "-rA"
    )
    out = result.stdout.str()
    assert "Task exception was never retrieved" not in out + result.stderr.str()
    assert "PASSED" in out and "refunds" in out
    failed = [line for line in out.splitlines() if line.startswith("FAILED")]
    assert failed and all("only-talks" in line for line in failed)  # no tool call on the wire: its check fails
    [run_dir] = [p for p in (pytester.path / "reports").iterdir() if p.is_dir() and not p.is_symlink()]
    trials = run_dir / "trials.jsonl"
    rows = {r["scenario_id"]: r for r in map(json.loads, trials.read_text().splitlines())}
    assert rows["refunds"]["outcome"] == "pass" and rows["only-talks"]["outcome"] == "fail"
    for row in rows.values():
        assert row["cost_usd"]["agent"] is not None and row["cost_usd"]["agent"] > 0  # measured, not "unknown"
    [transcript] = [json.loads(p.read_text()) for p in run_dir.glob("transcripts/*.json") if "refunds" in p.name]
    assert transcript["meta"]["captured"] and len(transcript["agent_calls"]) == 2
    tool = [m for m in transcript["messages"] if m["role"] == "tool"]
    assert (
        tool and tool[0]["captured"] and tool[0]["tool_result"]["output"] == {"status": "refunded", "order_id": "1234"}
    )
