"""evalkit.run: many sessions at once, the run directory, the event log and resume."""

from evalkit.run.config import RunConfig
from evalkit.run.handle import RunHandle, run_in_thread
from evalkit.run.load import LoadedRun, RunFrames, load_run
from evalkit.run.outcome import ItemResult, RunSummary
from evalkit.run.plan import WorkItem, derive_seed, plan_run
from evalkit.run.progress import Progress
from evalkit.run.resume import ResumeError
from evalkit.run.scheduler import execute_run
from evalkit.run.stages import Judgement, StageContext, Stages

__all__ = [
    "ItemResult",
    "Judgement",
    "LoadedRun",
    "Progress",
    "ResumeError",
    "RunConfig",
    "RunFrames",
    "RunHandle",
    "RunSummary",
    "StageContext",
    "Stages",
    "WorkItem",
    "derive_seed",
    "execute_run",
    "load_run",
    "plan_run",
    "run_in_thread",
]
