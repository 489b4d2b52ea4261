"""Python objects as agents: `evalkit.run_scenario(agent=my_agent)` without a module to import them from.

The object goes into this process's table under a generated id; the suite's agent becomes
`ObjectAgent(ref=id)`, and the `object` kind resolves it when a session builds its agent, with
the same factory-or-agent rule as a `module:attr` target. The same object keeps its id, so
calling run_scenario in a loop does not grow the table. In-process only: a Ray worker is
another process, where the table is empty (the session then fails with a setup error).
"""

from __future__ import annotations

import itertools
import re
import threading
from typing import Any

from evalkit.conversation.agents.base import Agent, AgentSetupError
from evalkit.conversation.agents.callable import adapt_object
from evalkit.conversation.agents.registry import BuildRequest, register_agent
from evalkit.spec.models import ObjectAgent

_table: dict[str, Any] = {}
_ids: dict[int, str] = {}  # id(object) -> ref, for objects still in the table
_counter = itertools.count(1)
_lock = threading.Lock()
_UNSAFE = re.compile(r"[^\w.-]+")


def object_agent(obj: Any) -> ObjectAgent:
    """The agent config that names `obj` (kept alive in the table for the life of the process)."""
    with _lock:
        ref = _ids.get(id(obj))
        if ref is None or _table.get(ref) is not obj:
            label = _UNSAFE.sub("_", getattr(obj, "__qualname__", None) or type(obj).__name__)
            ref = f"{label}#{next(_counter)}"
            _table[ref] = obj
            _ids[id(obj)] = ref
    return ObjectAgent(kind="object", ref=ref)


def resolve_object(ref: str) -> Any:
    """The object registered under `ref`; AgentSetupError in a process that never registered it."""
    try:
        return _table[ref]
    except KeyError:
        raise AgentSetupError(
            f"no Python agent object {ref!r} in this process: objects given to "
            "evalkit.run_scenario run in-process only (name the agent as module:attr instead)"
        ) from None


@register_agent(
    "object",
    doc="A Python object handed to evalkit.run_scenario(agent=...) (in-process only; not written in YAML).",
    spec=ObjectAgent,
)
async def build_object_agent(config: ObjectAgent, request: BuildRequest) -> Agent:
    obj = resolve_object(config.ref)
    return await adapt_object(obj, f"object {config.ref}", model=request.model, params=request.params)
