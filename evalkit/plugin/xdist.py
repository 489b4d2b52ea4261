"""pytest-xdist: each worker runs its share at once, writing one part of the run directory the controller owns.

The controller names the run directory (a new one, or the one `--evalkit-resume`
names, which it locks and merges leftover parts into at once) and tells workers
where it is (`workerinput`). Each worker writes a part inside it (see
`evalkit.run.parts`) that keeps the trials the run already decided, so a resumed
run under `-n` re-runs nothing. The controller folds the parts into the run
directory under the run's lock on every way out: when a worker crashes (before
its replacement starts), after the test loop, and when the session is
interrupted; a part it could not merge (its controller was killed) is merged by
the next `--evalkit-resume`.

The run's preflight (`evalkit.plugin.preflight_gate`) runs in the controller before any worker starts.
A scheduler hands every worker its whole share up front so it can start all of
its sessions concurrently. Gates need every scenario, so workers leave them to
the controller, which decides them after merging and reports each as a test
item (`evalkit.plugin.gate_reports`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from evalkit.run.lock import RunLock
    from evalkit.run.parts import Merged

RUN_ID = "evalkit_run_id"
RUN_DIR = "evalkit_run_dir"
INVOCATION = "evalkit_invocation"
OUTPUT = "evalkit"
MERGE_WAIT_S = 10.0  # how long a merge waits for a worker that is being torn down to let go of its part


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def is_controller(config: pytest.Config) -> bool:
    """The xdist controller process: it distributes tests and collects none itself.

    Decided from options (as xdist itself does), because xdist registers its
    session plugin only after other plugins' `pytest_configure` ran.
    """
    if is_worker(config) or config.getoption("collectonly", False):
        return False
    return getattr(config.option, "dist", "no") not in ("no", None) and config.pluginmanager.hasplugin("xdist")


def worker_input(config: pytest.Config) -> dict[str, Any]:
    return dict(getattr(config, "workerinput", {}))


def worker_id(config: pytest.Config) -> str:
    return str(worker_input(config).get("workerid", "gw0"))


@dataclass(frozen=True)
class WorkerPart:
    """Where a worker writes: one part of the controller's run directory per batch it starts."""

    run_dir: Path
    invocation: str
    worker: str

    def report_dir(self, batch: int) -> Path:
        from evalkit.run.parts import part_name, part_report_dir

        return part_report_dir(self.run_dir, part_name(self.invocation, self.worker, batch))


def queued_items(config: pytest.Config, session: pytest.Session) -> list[pytest.Item]:
    """Items already queued for this worker (the scheduler sends each worker its share up front)."""
    for plugin in config.pluginmanager.get_plugins():
        if type(plugin).__name__ == "WorkerInteractor" and hasattr(plugin, "torun"):
            with plugin.torun.lock() as queue:
                indices = [i for i in queue if isinstance(i, int)]
            nxt = getattr(plugin, "nextitem_index", None)
            if isinstance(nxt, int):
                indices.insert(0, nxt)
            return [session.items[i] for i in indices if 0 <= i < len(session.items)]
    return []


class ControllerHooks:
    """xdist hooks of the controller process (registered only when xdist is active).

    Holds the run directory's lock from the first merge (or from claiming the run to
    resume) to the end of the session: no other run merges or resumes it meanwhile.
    """

    def __init__(self, run_dir: Path, lock: RunLock | None = None) -> None:
        self.run_dir = run_dir
        self.run_id = run_dir.name
        self.invocation = f"{time.time_ns() // 1_000_000:014d}"  # time-sortable: a resume's parts sort last
        self.outputs: list[dict[str, Any]] = []
        self.decided = False  # the merged run was decided (after the test loop, or at session finish)
        self.lock = lock
        self.refused: str | None = None  # why a merge could not take the run's lock

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[RUN_ID] = self.run_id
        node.workerinput[RUN_DIR] = str(self.run_dir)
        node.workerinput[INVOCATION] = self.invocation

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object | None) -> None:
        output = getattr(node, "workeroutput", {}).get(OUTPUT)
        if output:
            self.outputs.append(output)
        if error is not None:  # crashed: its part joins the run before a replacement reads what is decided
            self.merge()

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        if config.getvalue("dist") != "load":
            return None
        return upfront_scheduler(config, log)

    def merge(self, wait_s: float = MERGE_WAIT_S) -> Merged | None:
        """Fold every finished worker part into the run directory, under the run's lock (None: nothing to merge)."""
        if not self.run_dir.is_dir():
            return None
        from evalkit.run.lock import RunLock, RunLocked
        from evalkit.run.parts import merge_parts

        if self.lock is None:
            try:
                self.lock = RunLock.acquire(self.run_dir, wait_s=wait_s)
            except RunLocked as err:
                self.refused = str(err)
                return None
        return merge_parts(self.run_dir, wait_s=wait_s)

    def release(self) -> None:
        if self.lock is not None:
            self.lock.release()
            self.lock = None


def upfront_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist load`, except that the first distribution sends every test, in contiguous shares."""
    from xdist.scheduler import LoadScheduling

    class UpfrontScheduling(LoadScheduling):
        collection: list[str] | None  # LoadScheduling's own attribute (xdist ships no types)

        def schedule(self) -> None:
            if self.collection is not None:
                return super().schedule()
            if not self._check_nodes_have_same_collection():
                self.log("**Different tests collected, aborting run**")
                return
            collection = next(iter(self.node2collection.values()))
            self.collection = collection
            self.pending[:] = range(len(collection))
            if not collection:
                return
            share = math.ceil(len(self.pending) / len(self.nodes))
            for node in self.nodes:
                self._send_tests(node, share)
            for node in self.nodes:
                node.shutdown()

    return UpfrontScheduling(config, log)
