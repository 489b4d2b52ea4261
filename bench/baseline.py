"""The raw-SDK baseline: the same model calls per session as evalkit made, and nothing else.

One `AsyncOpenAI` client (its httpx pool sized like evalkit's), one semaphore with the
same connection limit, every session started at once, each session's calls awaited
one after another in the order evalkit made them (the same dependency chain). The
request bodies are the ones the fake server received from evalkit, so the bytes on
the wire are the same too.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import openai

try:  # the SDK generation in use picks its httpx package; match evalkit's choice
    import httpx2 as httpx
except ImportError:  # pragma: no cover
    import httpx  # type: ignore[no-redef]


def load_sessions(log: Path) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    sessions: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    with open(log) as fh:
        for line in fh:
            row = json.loads(line)
            sessions.setdefault(row["session"], []).append((row["role"], row["body"]))
    return sessions


async def _replay(sessions: dict[str, list[tuple[str, dict[str, Any]]]], base_url: str, connections: int) -> None:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections, keepalive_expiry=30)
    client = openai.AsyncOpenAI(
        base_url=base_url,
        api_key="sk-bench-local",
        max_retries=0,
        timeout=120,
        http_client=httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(120, connect=10)),
    )
    gate = asyncio.Semaphore(connections)

    async def session(calls: list[tuple[str, dict[str, Any]]]) -> None:
        for role, body in calls:
            async with gate:
                await client.chat.completions.create(**body, extra_headers={"x-evalkit-role": role})

    try:
        await asyncio.gather(*(session(calls) for calls in sessions.values()))
    finally:
        await client.close()


def run_baseline(log: Path, base_url: str, connections: int) -> dict[str, float]:
    """Replay the logged sessions; return wall and CPU seconds (CPU of this whole process)."""
    sessions = load_sessions(log)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    asyncio.run(_replay(sessions, base_url, connections))
    return {
        "wall_s": time.perf_counter() - wall0,
        "cpu_s": time.process_time() - cpu0,
        "calls": sum(len(c) for c in sessions.values()),
        "longest_chain": max((len(c) for c in sessions.values()), default=0),
    }
