"""Conversation tests use the shared `fake_llm` and `hub_for` fixtures (evalkit.testing.fixtures)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # makes `conv_agents:...` targets and conv_helpers importable
