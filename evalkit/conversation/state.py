"""The agent's final state: what its `state()` returns after the session, stored with the transcript.

State checks (`evalkit.judging.check_state`) assert on it. Capturing never raises: an agent without
`state()`, one whose `state()` raises, hangs or returns data JSON cannot hold, leaves a recorded
reason (`Transcript.state_error`), and a state check then reads that reason as invalid, never a pass.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from typing import Any

STATE_TIMEOUT_S = 10.0  # a state() slower than this is a bug in the agent, not a state


def state_owner(agent: Any) -> Any:
    """The object whose `state()` counts: the user's agent (the factory's product) behind evalkit's adapter."""
    if agent is not None and callable(getattr(agent, "state", None)):
        return agent
    target = getattr(agent, "_target", None)
    return target if callable(getattr(target, "state", None)) else None


async def capture_state(agent: Any) -> tuple[Any, str | None]:
    """(state as plain JSON data, None) or (None, why it could not be captured)."""
    owner = state_owner(agent)
    if owner is None:
        return None, "the agent has no state() method"
    try:
        async with asyncio.timeout(STATE_TIMEOUT_S):
            fn = owner.state
            value = await fn() if inspect.iscoroutinefunction(fn) else await asyncio.to_thread(fn)
            if inspect.isawaitable(value):
                value = await value
    except TimeoutError:
        return None, f"state() did not return within {STATE_TIMEOUT_S:g} s"
    except Exception as err:  # noqa: BLE001 - a broken state() is a recorded reason, not a crash
        return None, f"state() raised {type(err).__name__}: {err}"
    if value is None:
        return None, "state() returned None (expected JSON data: an object, a list or a value)"
    return _as_json(value)


def _as_json(value: Any) -> tuple[Any, str | None]:
    dump = getattr(value, "model_dump", None)
    if callable(dump):  # a pydantic model is JSON data by construction
        value = dump(mode="json")
    try:
        return json.loads(json.dumps(value, allow_nan=False)), None
    except (TypeError, ValueError) as err:
        return None, f"state() returned data JSON cannot hold ({err})"
