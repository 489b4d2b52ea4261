"""Which settings a resumed run (or a part of a run) continues with, and the one-line refusal when it cannot.

Apart from `evalkit.run.resume` (what is already done and whether it may be reused) because
planning needs this answer before any work item exists: `plan_run` of a resumed run must make
exactly the plan the run started with.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evalkit.run.config import SHAPING_FIELDS, RunConfig
from evalkit.run.latest import resume_target
from evalkit.run.run_dir import RunDir


class ResumeError(Exception):
    """The run cannot be resumed; the message is one line that says why and what to do."""


def resolve_resume(config: RunConfig) -> RunConfig:
    """The config to resume with: the stored run's shaping fields, the caller's operational ones.

    A part of a run (`part_of`) continues that run too, once it has a final manifest.
    """
    if config.part_of:
        stored = _stored_manifest(Path(config.part_of))
        if stored is None or stored.get("provisional"):
            return config
        return config.model_copy(update=_shaping(stored))
    if not config.resume:
        return config
    try:
        path = resume_target(config.resume, config.report_dir)
        stored = RunDir(path).read_manifest()
    except (FileNotFoundError, ValueError) as exc:
        raise ResumeError(f"cannot resume: {exc}") from None
    return config.model_copy(update={**_shaping(stored), "resume": str(path)})


def _shaping(manifest: dict[str, Any]) -> dict[str, Any]:
    stored = manifest.get("config", {})
    return {k: stored.get(k) for k in SHAPING_FIELDS if k in stored}


def _stored_manifest(path: Path) -> dict[str, Any] | None:
    """The run's manifest, or None before any part wrote one."""
    try:
        return RunDir(path).read_manifest()
    except FileNotFoundError:
        return None
    except ValueError as exc:
        raise ResumeError(f"cannot continue run {path}: {exc}") from None
