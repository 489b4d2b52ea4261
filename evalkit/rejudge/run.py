"""Driving a re-judge: plan it, check it may spend, judge every stored transcript, link and record the new run."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from evalkit.rejudge.config import RejudgeConfig, RejudgeError
from evalkit.rejudge.plan import RejudgePlan, plan_rejudge
from evalkit.rejudge.stage import stored_transcripts
from evalkit.run import LoadedRun, RunConfig, RunSummary, Stages, execute_run, load_run
from evalkit.run.judge_stage import judging_setup
from evalkit.run.opening import open_run

LINK = "rejudged_from"  # run.json key: the original run's id
LINK_DIR = "rejudged_from_dir"  # and its directory, for resume and reports
LOCAL = ("mock",)  # providers that never leave the process


def rejudge_run(cfg: RejudgeConfig) -> RunSummary:
    """Judge `cfg.run_dir`'s stored transcripts into a new run directory (or finish `cfg.resume`)."""
    original = _original(cfg.run_dir)
    plan = plan_rejudge(original, cfg.rubrics)
    config = _run_config(cfg, original)
    _check_spending(cfg, plan, config)
    endpoint = _offline(cfg, plan)
    try:
        if endpoint is not None:
            config = config.model_copy(
                update={"base_urls": {**config.base_urls, **endpoint.base_urls}, "endpoint_ids": endpoint.endpoint_ids}
            )
        return asyncio.run(_execute(plan, config, original))
    finally:
        if endpoint is not None:
            endpoint.close()


def _original(path: Path) -> LoadedRun:
    try:
        return load_run(path)
    except (OSError, ValueError) as err:
        raise RejudgeError(f"{path}: {str(err).splitlines()[0]}") from None


def _run_config(cfg: RejudgeConfig, original: LoadedRun) -> RunConfig:
    return RunConfig(
        report_dir=cfg.report_dir or original.path.parent,
        judge_model=cfg.judge_model,
        base_urls=dict(cfg.base_urls),
        offline=cfg.offline,
        cache=cfg.cache,
        resume=cfg.resume,
        max_cost_usd=cfg.max_cost_usd,
        publish_latest=False,
    )  # moved with the report (commands)


def _check_spending(cfg: RejudgeConfig, plan: RejudgePlan, config: RunConfig) -> None:
    """As `evalkit run`: no paid judge call unless live mode is on (or the judge is served offline)."""
    if cfg.offline or cfg.live:
        return
    models = sorted({m for item in plan.items for m in _judges(item, config) if m.split(":", 1)[0] not in LOCAL})
    if models:
        raise RejudgeError(
            f"re-judging calls the judge {', '.join(models)}: pass --live (or EVALKIT_LIVE=1) to "
            "spend, or --offline to use the suites' offline rules"
        )


def _judges(item: Any, config: RunConfig) -> set[str]:
    default, rubrics = judging_setup(item, config.judge_model)
    models = {default.model} if default is not None and default.model else set()
    for r in rubrics:
        judge = r.rubric.judge
        if judge is not None and judge.model:
            models.add(judge.model)
    return models


def _offline(cfg: RejudgeConfig, plan: RejudgePlan) -> Any:
    if not cfg.offline:
        return None
    from evalkit.plugin.offline import OfflineEndpoint

    return OfflineEndpoint(list({id(i.suite): i.suite for i in plan.items}.values()))


async def _execute(plan: RejudgePlan, config: RunConfig, original: LoadedRun) -> RunSummary:
    from evalkit.llm import ModelHub

    opened = open_run(plan.items, config)
    opened.manifest.update({LINK: original.run_id, LINK_DIR: str(original.path)})
    opened.dir.write_manifest(opened.manifest)  # linked from the start: an interrupted re-judge says what it re-judges
    hub = ModelHub(config.hub_config())
    try:
        return await execute_run(
            plan.items, config, hub, stages=Stages(session=stored_transcripts(plan.transcripts)), opened=opened
        )
    finally:
        await hub.aclose()
