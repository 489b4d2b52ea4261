"""The executor a run uses, as one small config object (part of `RunConfig`)."""

from __future__ import annotations

import importlib.util
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

RAY_INSTALL_HINT = "the ray executor needs Ray: pip install 'evalkit[ray]'"


class ExecutorConfig(BaseModel):
    """`kind='ray'` runs sessions and judging on Ray workers; the driver still writes everything."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["local", "ray"] = Field(
        default="local", description="local: this process's event loop; ray: Ray actors, sessions batched per worker"
    )
    address: str | None = Field(
        default=None,
        description="Ray cluster: 'auto' (a running cluster), "
        "'ray://host:10001' (Ray Client), 'local' (start one here); "
        "unset: RAY_ADDRESS, else a new local cluster",
    )
    workers: int | None = Field(
        default=None, ge=1, description="Ray worker actors (one CPU each); default: the cluster's CPUs"
    )


def ray_missing() -> bool:
    """True when Ray is not importable (the executor then cannot start; say RAY_INSTALL_HINT)."""
    return importlib.util.find_spec("ray") is None
