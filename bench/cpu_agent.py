"""A CPU-heavy fake agent for bench/ray_executor.py: every turn burns a fixed amount of CPU, then answers.

It stands in for agents with local tools, sandboxes or local models: work that holds a core
(and the GIL), which more connections cannot overlap but more processes can.
"""

from __future__ import annotations

import os
import time

CPU_S = float(os.environ.get("BENCH_AGENT_CPU_MS", "20")) / 1000


def burn(seconds: float) -> int:
    """Busy work until this thread has used `seconds` of CPU (not wall) time."""
    end, spins = time.thread_time() + seconds, 0
    while time.thread_time() < end:
        spins += sum(i * i for i in range(200)) & 1
    return spins


async def respond(messages: list, context: object) -> str:
    """Blocks its event loop for CPU_S of CPU, as a synchronous heavy agent would hold a core."""
    burn(CPU_S)
    return "Your order has shipped and arrives on Tuesday."
