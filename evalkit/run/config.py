"""One object that says how a run is shaped and where it writes.

Callers (pytest plugin, CLI, notebooks) fill one `RunConfig` instead of passing
many keyword arguments. Per-endpoint connection limits belong to the model hub;
`RunConfig` carries them and builds the hub's config so there is one place to set them.
Which field each user setting fills, and which hub field it feeds, is the option table's
(`evalkit.options`): `RunConfig(concurrency=4, rpm=60)` takes the settings' own names too.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from evalkit.llm.config import LimitSettings
from evalkit.options import BY_NAME, OPTIONS
from evalkit.options.option import set_dotted
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
    tiers: list[str] | None = Field(
        default=None, description="Agent models to run instead of the suites' agent_models."
    )
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
    limits: LimitSettings = Field(
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
    endpoint_ids: dict[str, str] = Field(
        default_factory=dict,
        description="base_url -> the name the response cache "
        "keys it by (the offline endpoint's 'offline:<rules fingerprint>').",
    )
    offline: bool = Field(
        default=False,
        description="Models served by a local fake server: costs are list prices of calls nobody paid for.",
    )
    resume: str | None = Field(
        default=None, description="Run directory to resume, or 'latest' (the run started last, finished or not)."
    )
    publish_latest: bool = Field(
        default=True,
        description="Point report_dir/latest at the run when it completes; "
        "False when the caller does so after writing report.html (the pytest plugin).",
    )
    part_of: str | None = Field(
        default=None,
        description="Run directory this run writes one part of (a pytest-xdist "
        "worker's share): its decided trials are kept, and the part "
        "is created under report_dir, to be merged into it.",
    )
    baseline: Path | None = Field(
        default=None,
        description="Baseline run directory of the regression gate; recorded "
        "in run.json so reports decide the same gate.",
    )
    fsync_interval_s: float = Field(default=1.0, ge=0, description="How often the event log is fsynced.")
    executor: ExecutorConfig = Field(
        default_factory=ExecutorConfig,
        description="Where sessions run: this process, or Ray workers (the driver still writes the run directory).",
    )

    @classmethod
    def from_options(cls, values: Mapping[str, Any], **fields: Any) -> RunConfig:
        """A run from resolved settings (option names; those the run engine does not read, such as `live`, are
        left out; field names pass), then `fields`: `RunConfig.from_options(settings.values, run_id=...)`."""
        run = {k: v for k, v in values.items() if (BY_NAME[k].run if k in BY_NAME else k in cls.model_fields)}
        return cls.model_validate({**run_fields(run), **fields})

    @model_validator(mode="before")
    @classmethod
    def _option_names(cls, data: Any) -> Any:
        return run_fields(data) if isinstance(data, Mapping) else data

    def hub_config(self) -> Any:
        """Build the model hub's config from the fields this run sets (unset ones keep the hub defaults):
        every option with a `hub` target, the limits through `LimitSettings`."""
        from evalkit.llm import HubConfig

        values: dict[str, Any] = {}
        for option in OPTIONS:
            if option.hub and option.run and "." not in option.run:
                value = getattr(self, option.run)
                if value is not None:
                    set_dotted(values, option.hub, value)
        values.update(self.limits.hub_values())
        if self.endpoint_ids:
            values["endpoint_ids"] = dict(self.endpoint_ids)
        return HubConfig(**values)


def run_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """Option names -> RunConfig fields: {'concurrency': 4, 'rpm': 60} -> {'max_connections': 4, 'limits': {'rpm': 60}}.

    Field names pass unchanged; so does `executor` given as a table (the field), not as a name (the option).
    """
    out: dict[str, Any] = {}
    nested: dict[str, Any] = {}
    for key, value in data.items():
        option = BY_NAME.get(key)
        is_field = key in RunConfig.model_fields
        if option is None or option.run is None or option.run == key or (is_field and not isinstance(value, str)):
            out[key] = value
        elif "." in option.run:
            set_dotted(nested, option.run, value)
        else:
            out[option.run] = value
    for head, more in nested.items():
        given = out.get(head)
        base = given.model_dump(exclude_none=True, exclude_defaults=True) if isinstance(given, BaseModel) else given
        out[head] = {**(base or {}), **more}
    return out


def cost_label(offline: bool) -> str:
    """How a run's costs are headed: an offline run's are list-price estimates, not money spent."""
    return f"cost ({OFFLINE_COST_NOTE})" if offline else "cost"
