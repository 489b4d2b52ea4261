"""The agent's one tool in the calibration tests' project."""


def lookup_order(order_id: str) -> dict[str, str]:
    """Where an order is."""
    return {"order_id": order_id, "status": "shipped"}
