"""evalkit.run: many sessions at once, the run directory, the event log and resume.

    items = plan_run([load_suite("suites/support.yaml")], RunConfig(trials=5))
    handle = run_in_thread(items, config, progress=show)   # or: await execute_run(items, config, hub)
    for item in items:
        handle.wait_for(item.key)                          # per trial, as each finishes
    summary = handle.wait()                                # status, counts, run_dir
    frames = load_run(summary.run_dir).to_pandas()         # trials / scores / costs / verdicts / gates

Resume with `RunConfig(resume="latest")` (or a run directory): finished sessions and
judgements are kept, only what is missing runs, and a changed suite or rubric is refused.
"""

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
