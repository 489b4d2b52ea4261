"""One object that says how a run is shaped and where it writes.

Callers (pytest plugin, CLI, notebooks) fill one `RunConfig` instead of passing
many keyword arguments. Per-endpoint connection limits belong to the model hub;
`RunConfig` carries them and builds the hub's config so there is one place to set them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from evalkit.llm.config import LimitSettings
from evalkit.run.executors.config import ExecutorConfig

# Fields that decide *what* a run contains. A resumed run keeps the stored values
# so it finishes the same plan it started.
OFFLINE_COST_NOTE = "list-price estimate; offline run, nothing spent"
SHAPING_FIELDS = ("tiers", "trials", "simulator_model", "judge_model", "seed")


class RunConfig(BaseModel):
    """Everything a run needs besides the suites themselves."""

    model_config = ConfigDict(extra="forbid")

    report_dir: Path = Field(default=Path("reports"), description="Parent of the run directories.")
    run_id: str | None = Field(default=None, description="Fixed run directory name; default '<UTC ts>-<shortid>'.")
    tiers: list[str] | None = Field(default=None, description="Agent models to run instead of the suites' agent_models.")
    trials: int | None = Field(default=None, ge=1, description="Trials per scenario, overriding suites and scenarios.")
    simulator_model: str | None = None
    judge_model: str | None = Field(default=None, description="Overrides every rubric's and suite's judge model.")
    seed: int | None = Field(default=None, description="Overrides every suite's seed.")
    max_open_sessions: int = Field(
        default=1000,
        ge=1,
        description="Sessions open at once (started, not yet judged). Bounds memory only; "
        "model-call concurrency is bounded per endpoint by the hub.",
    )
    max_cost_usd: float | None = Field(default=None, gt=0)
    max_tokens: int | None = Field(default=None, gt=0)
    max_sessions: int | None = Field(default=None, gt=0)
    max_connections: int | None = Field(default=None, gt=0, description="Per endpoint; None = the hub's default.")
    limits: LimitSettings = Field(  # type: ignore[valid-type]
        default_factory=LimitSettings,
        description="Per-endpoint limits (rpm, tpm, adaptive bounds, ...): the rows of evalkit.limit_options.",
    )
    timeout_s: float | None = Field(default=None, gt=0)
    max_retries: int | None = Field(default=None, ge=0)
    cache: bool = True
    cache_dir: Path | None = None
    record_path: Path | None = None
    replay_path: Path | None = None
    base_urls: dict[str, str] = Field(default_factory=dict, description="provider -> base_url, e.g. for --offline.")
    offline: bool = Field(default=False, description="Models served by a local fake server: costs are list prices "
                                                     "of calls nobody paid for.")
    resume: str | None = Field(default=None, description="Run directory to resume, or 'latest'.")
    part_of: str | None = Field(default=None, description="Run directory this run writes one part of (a pytest-xdist "
                                                         "worker's share): its decided trials are kept, and the part "
                                                         "is created under report_dir, to be merged into it.")
    baseline: Path | None = Field(default=None, description="Baseline run directory of the regression gate; recorded "
                                                           "in run.json so reports decide the same gate.")
    fsync_interval_s: float = Field(default=1.0, ge=0, description="How often the event log is fsynced.")
    executor: ExecutorConfig = Field(default_factory=ExecutorConfig, description="Where sessions run: this "
                                     "process, or Ray workers (the driver still writes the run directory).")

    def hub_config(self) -> Any:
        """Build the model hub's config from the fields this run sets (unset ones keep the hub defaults)."""
        from evalkit.llm import HubConfig

        values: dict[str, Any] = {"base_urls": dict(self.base_urls), "no_cache": not self.cache}
        optional = {
            "max_connections": self.max_connections,
            "timeout_s": self.timeout_s,
            "max_retries": self.max_retries,
            "cache_dir": self.cache_dir,
            "record_path": self.record_path,
            "replay_path": self.replay_path,
        }
        values.update({k: v for k, v in optional.items() if v is not None})
        values.update(self.limits.hub_values())
        return HubConfig(**values)


def cost_label(offline: bool) -> str:
    """How a run's costs are headed: an offline run's are list-price estimates, not money spent."""
    return f"cost ({OFFLINE_COST_NOTE})" if offline else "cost"
