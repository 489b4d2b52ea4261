"""Run housekeeping tests build runs with the run engine's test helpers (tests/run/run_helpers.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "run"))
