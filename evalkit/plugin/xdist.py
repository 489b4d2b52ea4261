"""pytest-xdist: each worker runs its share at once; the controller merges one run directory.

The controller picks the run id and tells workers where to write (`workerinput`);
a scheduler hands every worker its whole share up front so it can start all of
its sessions concurrently. Gates need every scenario, so workers leave them to
the controller, which decides them after merging and reports each as a test
item (`evalkit.plugin.gate_reports`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

RUN_ID = "evalkit_run_id"
BATCH_ROOT = "evalkit_batch_root"
OUTPUT = "evalkit"


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
    """xdist hooks of the controller process (registered only when xdist is active)."""

    def __init__(self, run_id: str, batch_root: Path) -> None:
        self.run_id = run_id
        self.batch_root = batch_root
        self.outputs: list[dict[str, Any]] = []
        self.decided = False  # the merged run was decided (after the test loop, or at session finish)

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[RUN_ID] = self.run_id
        node.workerinput[BATCH_ROOT] = str(self.batch_root)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object | None) -> None:
        output = getattr(node, "workeroutput", {}).get(OUTPUT)
        if output:
            self.outputs.append(output)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        if config.getvalue("dist") != "load":
            return None
        return upfront_scheduler(config, log)


def upfront_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist load`, except that the first distribution sends every test, in contiguous shares."""
    from xdist.scheduler import LoadScheduling

    class UpfrontScheduling(LoadScheduling):  # type: ignore[misc]
        def schedule(self) -> None:
            if self.collection is not None:
                return super().schedule()
            if not self._check_nodes_have_same_collection():
                self.log("**Different tests collected, aborting run**")
                return
            self.collection = next(iter(self.node2collection.values()))
            self.pending[:] = range(len(self.collection))
            if not self.collection:
                return
            share = math.ceil(len(self.pending) / len(self.nodes))
            for node in self.nodes:
                self._send_tests(node, share)
            for node in self.nodes:
                node.shutdown()

    return UpfrontScheduling(config, log)
