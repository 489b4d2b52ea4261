"""pytest-xdist: the controller hosts the run's shared rate-limit budget; workers are told where it is.

Without it every worker paces and bounds its connections on its own, so `-n 4` would spend
four times the provider's budget. The service (`evalkit.llm.budget_service`) listens on
127.0.0.1 only, is started when the first worker is configured (no worker, no service) and
stops with the session. `shared_limits = false` turns it off.
"""

from __future__ import annotations

from typing import Any

import pytest

from evalkit.plugin.options import BUDGET_INPUT, PluginSettings


class BudgetHost:
    """xdist hooks of the controller process: start the budget service, hand its address to each worker."""

    def __init__(self) -> None:
        self.server: Any = None

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        if self.server is None:
            from evalkit.llm.budget_service import BudgetServer

            self.server = BudgetServer().start()
        workers = int(node.workerinput.get("workercount") or 1)
        node.workerinput[BUDGET_INPUT] = {
            "address": self.server.address,
            "token": self.server.token,
            "workers": workers,
        }

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


def host_budget(config: pytest.Config, settings: PluginSettings) -> None:
    """Register the host in the xdist controller, unless shared limits are turned off."""
    if settings.limits.get("shared_limits", True):
        config.pluginmanager.register(BudgetHost(), "evalkit-shared-budget")
