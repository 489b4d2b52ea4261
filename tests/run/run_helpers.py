"""Helpers for run-engine tests: suites built from the spec models, and plain async stages (no model)."""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from evalkit.conversation.transcript import RoleUsage, TerminationReason, Transcript, TranscriptMessage, TranscriptMeta
from evalkit.judging.verdict import CriterionScore, Outcome, Provenance, RubricVerdict
from evalkit.llm.types import Usage
from evalkit.run import Judgement, StageContext, Stages, WorkItem
from evalkit.spec.models import Rubric, Scenario, Suite


@dataclass
class FakeResolvedRubric:
    rubric: Rubric
    fingerprint: str
    path: Path = Path("rubrics/r.yaml")
    template_text: str | None = None

    @property
    def ref(self) -> str:
        return self.rubric.ref


@dataclass
class FakeLoadedSuite:
    """Duck-types evalkit.spec.LoadedSuite for tests that do not exercise the YAML loader."""

    path: Path
    suite: Suite
    file_hash: str
    rubric: FakeResolvedRubric
    rubric_files_hash: str = "r0"

    @property
    def scenarios(self) -> list[Scenario]:
        return self.suite.scenarios

    def rubrics_for(self, scenario: Scenario) -> list[FakeResolvedRubric]:
        return [self.rubric]


def make_suite(
    tmp_path: Path,
    scenarios: int = 3,
    trials: int = 2,
    tiers: list[str] | None = None,
    name: str = "demo",
    fingerprint: str = "fp1",
) -> FakeLoadedSuite:
    suite = Suite(
        suite=name,
        agent="examples.agent:make_agent",
        agent_models=tiers or [],
        trials=trials,
        seed=7,
        scenarios=[Scenario(id=f"s{i}", goal=f"goal {i}", tags=["t"]) for i in range(scenarios)],
    )
    path = tmp_path / f"{name}.yaml"
    path.write_text(suite.model_dump_json())
    rubric = Rubric(id="quality", version=1, criteria=[{"id": "ok", "question": "ok?"}])
    return FakeLoadedSuite(
        path, suite, hashlib.sha256(path.read_bytes()).hexdigest()[:16], FakeResolvedRubric(rubric, fingerprint)
    )


@dataclass
class Recorder:
    """Plain async stages that record what ran and when, with tunable delays and failures."""

    session_delay: float = 0.0
    judge_delay: float = 0.0
    tokens_per_session: int = 100
    cost_per_session: float | None = 0.01
    fail_sessions: set[str] = field(default_factory=set)
    gate: asyncio.Event | None = None  # sessions wait on it when set
    sessions: list[str] = field(default_factory=list)
    judged: list[str] = field(default_factory=list)
    timeline: list[tuple[float, str, str]] = field(default_factory=list)
    open_now: int = 0
    max_open: int = 0

    async def session(self, item: WorkItem, ctx: StageContext) -> Transcript:
        self.sessions.append(item.key)
        self.timeline.append((time.monotonic(), "session_start", item.key))
        self.open_now += 1
        self.max_open = max(self.max_open, self.open_now)
        try:
            if self.gate is not None:
                await self.gate.wait()
            await asyncio.sleep(self.session_delay)
            if item.key in self.fail_sessions:
                raise RuntimeError("stage exploded")
            ctx.emit("turn", {"key": item.key, "turn": 1})
        finally:
            self.open_now -= 1
        self.timeline.append((time.monotonic(), "session_end", item.key))
        return transcript_for(item, self.tokens_per_session, self.cost_per_session)

    async def judge(self, item: WorkItem, transcript: Transcript, ctx: StageContext) -> Judgement:
        self.judged.append(item.key)
        self.timeline.append((time.monotonic(), "judge_start", item.key))
        await asyncio.sleep(self.judge_delay)
        ok = item.trial % 2 == 0
        score = CriterionScore(
            criterion_id="ok",
            kind="llm",
            outcome=Outcome.passed if ok else Outcome.failed,
            score=1.0 if ok else 0.0,
            raw_score=1.0 if ok else 0.0,
            reasoning="because",
        )
        verdict = RubricVerdict(
            transcript_hash=transcript.content_hash(),
            provenance=Provenance(
                rubric_id="quality", rubric_version=1, rubric_fingerprint="fp1", judge_models=["openai:judge"]
            ),
            outcome=score.outcome,
            score=score.score,
            criteria=[score],
            usage=Usage(input_tokens=10, output_tokens=5),
            cost_usd=0.001,
            judge_calls=1,
        )
        return Judgement(
            verdicts=[verdict], outcome=score.outcome, score=score.score, fail_reasons=[] if ok else ["ok failed"]
        )

    def stages(self) -> Stages:
        return Stages(session=self.session, judge=self.judge)


def transcript_for(item: WorkItem, tokens: int = 100, cost: float | None = 0.01) -> Transcript:
    now = time.time()
    return Transcript(
        meta=TranscriptMeta(
            scenario_id=item.scenario_id,
            trial=item.trial,
            seed=item.seed,
            agent_model=item.agent_model,
            simulator_model="openai:sim",
        ),
        messages=[
            TranscriptMessage(role="user", content=f"hi {item.scenario_id}", turn=1),
            TranscriptMessage(role="assistant", content=f"hello trial {item.trial}", turn=1),
        ],
        termination=TerminationReason.user_stop,
        usage_by_role={
            "agent": RoleUsage(usage=Usage(input_tokens=tokens // 2, output_tokens=tokens // 2), cost_usd=cost, calls=1)
        },
        started_at=now - 0.5,
        ended_at=now,
    )


class NullHub:
    """Stands in for the model hub when the stages make no model calls."""

    closed = False

    async def aclose(self) -> None:
        self.closed = True
