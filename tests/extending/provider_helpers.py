"""Register a test provider in the real registry for one test, and forget it afterwards."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from evalkit.llm.providers import PROVIDERS

PACKAGE_DIR = Path(__file__).parent / "provider_package"  # the example third-party package (one module)


@contextmanager
def scratch_registry() -> Iterator[None]:
    """Registrations made inside are dropped on exit, so no other test sees them."""
    PROVIDERS.load()
    saved = dict(PROVIDERS._entries)
    try:
        yield
    finally:
        PROVIDERS._entries.clear()
        PROVIDERS._entries.update(saved)


@contextmanager
def together_installed() -> Iterator[None]:
    """The example package's module imported (it registers `together:` on import), as its entry point would."""
    with scratch_registry():
        sys.path.insert(0, str(PACKAGE_DIR))
        sys.modules.pop("evalkit_together", None)
        try:
            importlib.import_module("evalkit_together")
            yield
        finally:
            sys.modules.pop("evalkit_together", None)
            sys.path.remove(str(PACKAGE_DIR))
