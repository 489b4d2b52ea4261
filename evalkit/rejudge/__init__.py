"""evalkit.rejudge: score a finished run's stored transcripts again, under another rubric version or judge.

    new_run = rejudge_run(RejudgeConfig(run_dir=Path("reports/latest"), rubrics=["support.resolution@3"]))

No agent or simulator is called: each trial's transcript is read from the original run, judged, and
decided into a new run directory (`run.json`: `rejudged_from`) that the report, compare, resume and
history read like any run. `evalkit compare ORIGINAL NEW` then pairs the trials by session.
"""

from __future__ import annotations

from evalkit.rejudge.config import RejudgeConfig, RejudgeError
from evalkit.rejudge.run import rejudge_run

__all__ = ["RejudgeConfig", "RejudgeError", "rejudge_run"]
