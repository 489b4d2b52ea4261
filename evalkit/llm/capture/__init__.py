"""The capture proxy: what an SDK agent did, read from its model traffic (no instrumentation).

`loop_proxy()` gives the run's proxy; `proxy.open(upstream)` a session prefix whose `base_url`
the agent's SDK client uses; `session.drain()` the calls completed since the last drain.
"""

from evalkit.llm.capture.calls import CapturedCall, Reading, SeenToolResult
from evalkit.llm.capture.lifetime import loop_proxy, running_proxy, stop_proxy
from evalkit.llm.capture.proxy import CaptureProxy, CaptureSession
from evalkit.llm.capture.tape import Recorded, Tape
from evalkit.llm.capture.wires import CAPTURE_WIRES, CaptureWire, wire_for_path

__all__ = [
    "CAPTURE_WIRES",
    "CaptureProxy",
    "CaptureSession",
    "CaptureWire",
    "CapturedCall",
    "Reading",
    "Recorded",
    "SeenToolResult",
    "Tape",
    "loop_proxy",
    "running_proxy",
    "stop_proxy",
    "wire_for_path",
]
