"""The example shop's rules: what may be refunded, cancelled or re-addressed."""

from __future__ import annotations

import json

import pytest

from evalkit.demo.support_agent import api_model_name, make_agent
from evalkit.demo.support_agent.store import OrderError, OrderStore


def test_refund_rules() -> None:
    store = OrderStore()
    assert store.refund_order("1234", "broken")["amount"] == 89.0
    with pytest.raises(OrderError, match="already refunded"):
        store.refund_order("1234")
    with pytest.raises(OrderError, match="within 30 days"):
        store.refund_order("9012")
    with pytest.raises(OrderError, match="only delivered orders"):
        store.refund_order("5678")
    with pytest.raises(OrderError, match="no order"):
        store.refund_order("0000")


def test_cancel_and_address_rules() -> None:
    store = OrderStore()
    with pytest.raises(OrderError, match="shipped and can no longer be cancelled"):
        store.cancel_order("2468")
    assert store.update_address("4321", "12 Rue de la Paix, 75002 Paris")["address"] == "12 Rue de la Paix, 75002 Paris"
    assert store.cancel_order("5678")["cancelled"] is True
    with pytest.raises(OrderError, match="cancelled; the address can no longer change"):
        store.update_address("5678", "1 New Street, Leeds")
    assert OrderStore().lookup_order("5678")["status"] == "processing"  # every store starts from the seed data


def test_model_names_and_fresh_agents(monkeypatch) -> None:
    assert api_model_name("openai:gpt-4.1-mini") == "gpt-4.1-mini"
    assert api_model_name("mock:small") == "mock:small"
    with pytest.raises(ValueError, match="OpenAI API"):
        api_model_name("anthropic:claude-haiku-4-5")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    a, b = (
        make_agent(model="mock:large"),
        make_agent(model="openai:gpt-4.1", base_url="http://127.0.0.1:8/v1", max_steps=3),
    )
    assert str(a.client.base_url).startswith("http://127.0.0.1:9/v1") and str(b.client.base_url).startswith(
        "http://127.0.0.1:8/v1"
    )
    assert (a.model, b.model, b.max_steps) == ("mock:large", "gpt-4.1", 3)
    a.store.refund_order("1234")
    assert not b.store.orders["1234"].get("refunded")
    assert json.loads(a.run_tool("cancel_order", '{"order_id": "2468"}')) == {
        "error": "order 2468 is already shipped and can no longer be cancelled"
    }
    assert "unknown tool" in a.run_tool("delete_everything", "{}")
