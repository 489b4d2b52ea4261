"""Where a run's sessions execute: in this process (default) or on a Ray cluster.

Either way the scheduler on the driver stays the only writer of the run directory; an
executor only decides where the two stages of a work item (session, judging) run.
`evalkit.run.executors.base` holds the seam, `ray_executor` / `ray_worker` / `ray_budget`
the Ray side (imported only when asked for: Ray is an optional extra).
"""

from evalkit.run.executors.config import RAY_INSTALL_HINT, ExecutorConfig, ray_missing

__all__ = ["RAY_INSTALL_HINT", "ExecutorConfig", "ray_missing"]
