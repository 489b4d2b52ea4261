"""A tool for the model-as-agent used by the run engine's integration tests."""


def lookup_order(order_id: str) -> dict:
    """Look up an order by its id."""
    return {"order_id": order_id, "status": "shipped"}
