"""State tests use the shared `fake_llm` / `hub_for` fixtures; `state_agents:...` targets import from here."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
