"""Fixtures for report tests: constructed run directories and one headless Chromium per module."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from report_cdp import Browser, find_chromium
from report_runs import PAYLOAD, T, default_messages, write_run

from evalkit.conversation.transcript import GuardrailFlag, TerminationReason


def sample_trials() -> list[T]:
    """Passes, failures, an invalid trial, tool calls, a guardrail flag, two tiers, tags and an XSS payload."""
    trials = []
    for tier in ("mock:large", "mock:small"):
        trials += [
            T("refund", 0, "pass", tier=tier, tags=["billing"]),
            T("refund", 1, "fail" if tier == "mock:small" else "pass", score=0.25, tier=tier, tags=["billing"]),
            T(
                "refund",
                2,
                "invalid",
                tier=tier,
                tags=["billing"],
                invalid_reason="judge output unparseable",
                termination=TerminationReason.simulator_error,
                flags=[
                    GuardrailFlag(
                        name="role_flip", turn=2, detail="simulator answered as the agent", action="invalidate"
                    )
                ],
            ),
            T("xss", 0, "pass", tier=tier, tags=["security"], messages=default_messages(PAYLOAD)),
        ]
    return trials


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_run(tmp_path_factory.mktemp("runs"), sample_trials())


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    binary = find_chromium()
    if binary is None:
        message = "headless Chromium is required for the report browser tests: apt-get install -y chromium"
        if os.environ.get("CI"):  # CI installs it (.ci/run), so its absence there is a broken setup
            pytest.fail(message)
        pytest.skip(message)  # deliberate: a developer machine without Chromium still runs everything else
    b = Browser(binary, tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield b
    finally:
        b.close()
