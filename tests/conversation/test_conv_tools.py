"""Python tools: schema from type hints and docstrings; bad arguments and exceptions become results."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from pydantic import Field

from evalkit.conversation import AgentSetupError, load_tool, tool_schema
from evalkit.conversation.agents.tools import PythonTool, result_content
from evalkit.llm.types import ToolCall


def cancel(
    order_id: str,
    reason: Literal["wrong_size", "other"] = "other",
    notify: Annotated[bool, Field(description="email the customer")] = True,
) -> dict:
    """Cancel an order that has not shipped.

    Args:
        order_id: The order number.
        reason: Why the customer cancels.
    """
    return {"cancelled": order_id, "reason": reason, "notify": notify}


def test_schema_from_type_hints_and_docstring() -> None:
    schema = tool_schema(cancel)
    assert schema["required"] == ["order_id"]
    props = schema["properties"]
    assert props["order_id"] == {"type": "string", "description": "The order number."}
    assert props["reason"]["enum"] == ["wrong_size", "other"] and props["reason"]["default"] == "other"
    assert props["reason"]["description"] == "Why the customer cancels."
    assert props["notify"]["description"] == "email the customer"  # Field description wins over docstring
    assert "title" not in props["order_id"]
    tool = PythonTool(cancel)
    assert tool.spec.name == "cancel" and tool.spec.description == "Cancel an order that has not shipped."


@pytest.mark.asyncio
async def test_run_validates_and_captures_errors() -> None:
    tool = PythonTool(cancel)
    ok = await tool.run(ToolCall(id="1", name="cancel", arguments={"order_id": "5678", "reason": "wrong_size"}))
    assert ok.ok and ok.output == {"cancelled": "5678", "reason": "wrong_size", "notify": True}
    bad = await tool.run(ToolCall(id="2", name="cancel", arguments={"order_id": "5678", "reason": "bored"}))
    assert not bad.ok and bad.error.startswith("invalid arguments: reason")
    missing = await tool.run(ToolCall(id="3", name="cancel", arguments={}))
    assert "order_id" in missing.error


@pytest.mark.asyncio
async def test_tool_exception_becomes_error_result() -> None:
    tool = load_tool("conv_agents:lookup_order")
    result = await tool.run(ToolCall(id="9", name="lookup_order", arguments={"order_id": "0000"}))
    assert result.error == "KeyError: 'no order 0000'"
    assert result_content(result) == '{"error": "KeyError: \'no order 0000\'"}'
    async_tool = load_tool("conv_agents:refund_order")
    done = await async_tool.run(ToolCall(id="10", name="refund_order", arguments={"order_id": "1234"}))
    assert done.output == "refunded 1234" and result_content(done) == "refunded 1234"


def test_load_tool_errors() -> None:
    with pytest.raises(AgentSetupError, match="has no attribute"):
        load_tool("conv_agents:nope")
    with pytest.raises(AgentSetupError, match="not callable"):
        load_tool("conv_agents:ORDERS")
