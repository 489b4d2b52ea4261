"""The shop's in-memory order store and the four operations the support agent may perform.

Each agent instance gets its own `OrderStore` (a fresh copy of `SEED_ORDERS`), so a
refund in one session never leaks into another.
"""

from __future__ import annotations

import copy
from typing import Any

REFUND_WINDOW_DAYS = 30

SEED_ORDERS: dict[str, dict[str, Any]] = {
    "1234": {
        "item": "blender",
        "total": 89.00,
        "status": "delivered",
        "delivered_days_ago": 5,
        "email": "ana@example.com",
        "address": "8 Calle Mayor, Madrid",
    },
    "5678": {
        "item": "t-shirt (size M)",
        "total": 25.00,
        "status": "processing",
        "eta_days": 4,
        "email": "ben@example.com",
        "address": "14 High Street, Leeds",
    },
    "4321": {
        "item": "desk lamp",
        "total": 42.50,
        "status": "processing",
        "eta_days": 6,
        "email": "carla@example.com",
        "address": "3 Rue Vieille, 69001 Lyon",
    },
    "9012": {
        "item": "rain jacket",
        "total": 120.00,
        "status": "delivered",
        "delivered_days_ago": 92,
        "email": "dan@example.com",
        "address": "77 Elm Road, Dublin",
    },
    "2468": {
        "item": "headphones",
        "total": 59.90,
        "status": "shipped",
        "eta_days": 2,
        "email": "eve@example.com",
        "address": "5 Kings Way, Bristol",
    },
}


class OrderError(Exception):
    """An operation the shop's rules do not allow; its message is shown to the model."""


class OrderStore:
    def __init__(self, orders: dict[str, dict[str, Any]] | None = None) -> None:
        self.orders = copy.deepcopy(orders if orders is not None else SEED_ORDERS)

    def state(self) -> dict[str, Any]:
        """The store as JSON data after a session, for state checks: `state: {path: orders.1234.refunded, equals: true}`."""
        return {"orders": copy.deepcopy(self.orders)}

    def _get(self, order_id: str) -> dict[str, Any]:
        order = self.orders.get(str(order_id).strip().lstrip("#"))
        if order is None:
            raise OrderError(f"no order with id {order_id!r}")
        return order

    def lookup_order(self, order_id: str) -> dict[str, Any]:
        """Status, item, total, dates and the email on file for an order."""
        return {"order_id": str(order_id), **self._get(order_id)}

    def refund_order(self, order_id: str, reason: str = "") -> dict[str, Any]:
        """Refund a delivered order within the refund window."""
        order = self._get(order_id)
        if order.get("refunded"):
            raise OrderError(f"order {order_id} was already refunded")
        if order["status"] != "delivered":
            raise OrderError(f"order {order_id} is {order['status']}; only delivered orders can be refunded")
        if order["delivered_days_ago"] > REFUND_WINDOW_DAYS:
            raise OrderError(
                f"order {order_id} was delivered {order['delivered_days_ago']} days ago; "
                f"refunds are only possible within {REFUND_WINDOW_DAYS} days"
            )
        order["refunded"] = True
        return {"order_id": str(order_id), "refunded": True, "amount": order["total"], "reason": reason}

    def cancel_order(self, order_id: str) -> dict[str, Any]:
        """Cancel an order that has not shipped yet."""
        order = self._get(order_id)
        if order["status"] != "processing":
            raise OrderError(f"order {order_id} is already {order['status']} and can no longer be cancelled")
        order["status"] = "cancelled"
        return {"order_id": str(order_id), "cancelled": True, "refund_amount": order["total"]}

    def update_address(self, order_id: str, new_address: str) -> dict[str, Any]:
        """Change the delivery address of an order that has not shipped yet."""
        order = self._get(order_id)
        if order["status"] != "processing":
            raise OrderError(f"order {order_id} is already {order['status']}; the address can no longer change")
        if len(new_address.strip()) < 8:
            raise OrderError("the new address looks incomplete")
        order["address"] = new_address.strip()
        return {"order_id": str(order_id), "address": order["address"]}
