"""The production judge on labelled transcripts: the run's own rubric resolution, hub and `judge_transcript`.

Each transcript is judged as a run judges it (`evalkit.run.judge_stage.judging_setup`
for the suite default judge and any `--judge` override, the same scenario goal,
the cached hub), then K more times through a hub with the response cache off:
those readings differ only by the judge's own noise.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from evalkit.calibration.items import Item
from evalkit.judging import judge_transcript
from evalkit.judging.verdict import RubricVerdict
from evalkit.llm import ModelHub
from evalkit.llm.source import ModelSource
from evalkit.run.config import RunConfig
from evalkit.run.judge_stage import judging_setup
from evalkit.run.plan import WorkItem
from evalkit.spec.models import JudgeConfig
from evalkit.spec.rubrics import ResolvedRubric


@dataclass(frozen=True)
class JudgeSetup:
    """How one transcript is judged: the rubric (judge override applied), the suite default, the scenario."""

    rubric: Any
    default_judge: JudgeConfig | None
    scenario: Any | None


@dataclass(frozen=True)
class Readings:
    """The production verdict of one transcript and its K uncached re-readings."""

    first: RubricVerdict
    again: list[RubricVerdict]


def setup_for(
    item: Item, scenarios: dict[str, tuple[Any, Any]], fallback: ResolvedRubric, judge_model: str | None
) -> JudgeSetup:
    """The run's resolution when the label's scenario is in a suite; else the bare rubric (no suite default)."""
    found = scenarios.get(item.label.cluster)
    if found is not None:
        loaded, scenario = found
        work = WorkItem(loaded, scenario, item.label.agent_model, 0, 0)
        default_judge, rubrics = judging_setup(work, judge_model)
        rubric = next(r for r in rubrics if r.ref == fallback.ref)
        return JudgeSetup(rubric, default_judge, scenario)
    if not judge_model:
        return JudgeSetup(fallback, None, None)
    judge = (fallback.rubric.judge or JudgeConfig()).model_copy(update={"model": judge_model, "panel": None})
    rubric = fallback.model_copy(update={"rubric": fallback.rubric.model_copy(update={"judge": judge})})
    return JudgeSetup(rubric, JudgeConfig(model=judge_model), None)


async def _read(hub: ModelSource, item: Item, setup: JudgeSetup) -> RubricVerdict:
    return await judge_transcript(item.transcript, setup.rubric, hub, setup.default_judge, scenario=setup.scenario)


async def read_all(items: list[Item], setups: list[JudgeSetup], run_config: RunConfig, rejudge: int) -> list[Readings]:
    """Production readings (cached hub, as a run) and `rejudge` uncached readings per transcript."""
    async with ModelHub(run_config.hub_config()) as hub:
        first = await asyncio.gather(*(_read(hub, i, s) for i, s in zip(items, setups, strict=True)))
    again: list[list[RubricVerdict]] = [[] for _ in items]
    if rejudge:
        uncached = run_config.model_copy(update={"cache": False, "record_path": None})
        async with ModelHub(uncached.hub_config()) as hub:
            for _ in range(rejudge):  # one round at a time: rounds of the same request are then ordered
                round_ = await asyncio.gather(*(_read(hub, i, s) for i, s in zip(items, setups, strict=True)))
                for bucket, verdict in zip(again, round_, strict=True):
                    bucket.append(verdict)
    return [Readings(f, a) for f, a in zip(first, again, strict=True)]
