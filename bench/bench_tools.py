"""The benchmark agent's tool."""


def lookup_order(order_id: str) -> dict:
    """Look up an order by its id."""
    return {"order_id": order_id, "status": "shipped", "eta": "Tuesday"}
