"""Plugins must be declared in the top-level conftest; `pytester` is for tests/plugin.

The HTTP transport under httpx2 (httpcore2, h11, anyio's asyncio backend) is imported lazily, on a
process's first request. pytester's inline runs drop the modules first imported inside them, so a
test whose inline run made the first request left httpx2 holding exception classes of dropped
modules: a later capture proxy met an unmapped `httpcore2.ConnectError`, not `httpx2.ConnectError`,
and dropped its agent's connection without recording the call. Imported here, before any test.
"""

import importlib
import pkgutil

import httpcore2

_names = [m.name for m in pkgutil.walk_packages(httpcore2.__path__, prefix="httpcore2.")]
for _name in [*_names, "h11", "anyio._backends._asyncio", "anyio.streams.tls"]:
    try:
        importlib.import_module(_name)
    except ImportError:  # HTTP/2 and SOCKS support need extras evalkit does not use
        pass

pytest_plugins = ["evalkit.testing.fixtures", "pytester"]
