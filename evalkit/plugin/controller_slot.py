"""Where a pytest session keeps its evalkit controller: one stash slot and the factory that fills it.

Items, collection and the `evalkit` fixture ask for the controller here; the session hooks
(`evalkit.plugin.session`) install the factory at configure time. So the items never import
the hooks module, and the controller (which imports the items) is built by whoever knows how,
without any module importing its importer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from evalkit.plugin.controller import Controller

CONTROLLER_KEY: pytest.StashKey[Controller] = pytest.StashKey()
FACTORY_KEY: pytest.StashKey[Callable[[pytest.Config], Controller]] = pytest.StashKey()


def install_factory(config: pytest.Config, factory: Callable[[pytest.Config], Controller]) -> None:
    """Say how this session's controller is built (called once, from pytest_configure)."""
    config.stash[FACTORY_KEY] = factory


def get_controller(config: pytest.Config) -> Controller:
    """The session's controller, built on first use by the installed factory."""
    ctl = config.stash.get(CONTROLLER_KEY, None)
    if ctl is None:
        ctl = config.stash[FACTORY_KEY](config)
        config.stash[CONTROLLER_KEY] = ctl
    return ctl
