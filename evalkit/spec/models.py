"""What users author: rubrics, personas, scenarios and suites.

These models are the single source of truth for YAML validation and for the
JSON Schemas editors use. Engine output (transcripts, scores) lives elsewhere.
"""

from __future__ import annotations

import difflib
from importlib.metadata import entry_points
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from evalkit.spec.checks import Check
from evalkit.spec.problems import LocatedValueError
from evalkit.spec.tiers import TIER_SCHEMA, split_tiers


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- rubrics


class ScaleRange(_Strict):
    min: int
    max: int

    @model_validator(mode="after")
    def _ordered(self) -> ScaleRange:
        if self.min >= self.max:
            raise LocatedValueError(f"scale min {self.min} is not below max {self.max} (expected min < max)", ("min",))
        return self


Scale = Literal["binary"] | ScaleRange


class JudgeConfig(_Strict):
    """Which model(s) judge and how. Temperature defaults to 0; there is no fallback to the agent's model."""

    model: str | None = Field(default=None, description="provider:model, e.g. openai:gpt-4.1-mini")
    panel: list[str] | None = Field(default=None, description="Several judge models; scores are aggregated.")
    samples: int = Field(default=1, ge=1, le=20)
    temperature: float = Field(default=0.0, ge=0, le=2)
    max_tokens: int | None = Field(default=None, gt=0)
    base_url: str | None = None
    logprob_scoring: bool = Field(default=False, description="G-Eval: probability-weighted mean over score tokens.")
    min_evidence: int | None = Field(
        default=None,
        ge=0,
        description="Quotes (3+ characters, found in the transcript) each verdict should cite; fewer is flagged "
        "weak_evidence. Default: 1 for binary criteria, 0 for scales.",
    )

    def models(self) -> list[str]:
        return list(self.panel) if self.panel else ([self.model] if self.model else [])


class Criterion(_Strict):
    """One thing the judge (or a deterministic check) scores."""

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    question: str | None = None
    scale: Scale = "binary"
    anchors: dict[int, str] | None = Field(
        default=None,
        description="Meaning of each scale level, e.g. {1: Rude, 5: Warm and precise}.",
        json_schema_extra={"propertyNames": {"pattern": "^-?[0-9]+$"}},
    )
    weight: float = Field(default=1.0, gt=0)
    must_pass: bool = False
    threshold: float | None = Field(default=None, ge=0, le=1, description="Normalised score this criterion must reach.")
    check: Check | None = None

    @model_validator(mode="after")
    def _question_or_check(self) -> Criterion:
        if self.question is None and self.check is None:
            raise LocatedValueError(
                "criterion has neither 'question' nor 'check' (expected 'question' for an LLM-judged criterion "
                "or 'check' for a deterministic one)"
            )
        if self.question is not None and self.check is not None:
            raise LocatedValueError(
                "criterion has both 'question' and 'check' (expected exactly one: split it into two criteria)",
                ("check",),
                at_key=True,
            )
        if self.anchors:
            low, high = (0, 1) if self.scale == "binary" else (self.scale.min, self.scale.max)
            for level in self.anchors:
                if not low <= level <= high:
                    raise LocatedValueError(
                        f"anchor {level} is outside the scale (expected levels {low}..{high})",
                        ("anchors", str(level)),
                        at_key=True,
                    )
        return self

    @property
    def is_llm(self) -> bool:
        return self.question is not None


class Rubric(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    version: int = Field(ge=1)
    description: str = ""
    judge: JudgeConfig | None = None
    threshold: float = Field(default=0.7, ge=0, le=1)
    granularity: Literal["rubric", "criterion"] = "rubric"
    evidence: Literal["invalidate", "warn"] = Field(
        default="invalidate", description="What unsupported evidence does to a criterion."
    )
    max_invalid_weight: float = Field(
        default=0.5, ge=0, le=1, description="Share of weight that may be invalid before the trial is invalid."
    )
    template: str | None = Field(default=None, description="Path to a jinja2 judge template, relative to the rubric.")
    show_state: bool = Field(
        default=False,
        description="Show the judge the agent's final state (its state() after "
        "the session) inside the transcript's data block.",
    )
    criteria: list[Criterion] = Field(min_length=1)

    @field_validator("criteria")
    @classmethod
    def _unique_ids(cls, criteria: list[Criterion]) -> list[Criterion]:
        first: dict[str, int] = {}
        for index, c in enumerate(criteria):
            if c.id in first:
                raise LocatedValueError(
                    f"duplicate criterion id '{c.id}' (first used by criteria[{first[c.id]}]; expected unique ids)",
                    (index, "id"),
                )
            first[c.id] = index
        return criteria

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


# ---------------------------------------------------------------- personas and scenarios


class Persona(_Strict):
    id: str
    description: str
    style: str = ""
    traits: list[str] = Field(default_factory=list)
    variations: list[str] = Field(default_factory=list, description="One is picked per trial from the trial's seed.")


class UserTurn(_Strict):
    """A fixed user message in a scripted conversation."""

    user: str


ScriptedTurn = UserTurn | Literal["simulate"]


class Scenario(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    persona: str | Persona | None = None
    goal: str
    known: dict[str, Any] = Field(default_factory=dict)
    unknown: list[str] = Field(default_factory=list)
    opening: str | None = None
    turns: list[ScriptedTurn] = Field(default_factory=list)
    max_turns: int | None = Field(default=None, gt=0)
    min_turns: int | None = Field(default=None, ge=0)
    checks: list[Check] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    rubrics: list[str] | None = Field(default=None, description="Overrides the suite's rubrics for this scenario.")
    trials: int | None = Field(default=None, ge=1)
    params: dict[str, Any] = Field(default_factory=dict, description="Extra agent factory parameters.")


# ---------------------------------------------------------------- suites


TARGET_PATTERN = r"^[\w.]+:[\w.]+$"
AgentTarget = Annotated[str, Field(pattern=TARGET_PATTERN)]


class CallableAgent(_Strict):
    kind: Literal["callable"] = "callable"
    target: str = Field(pattern=TARGET_PATTERN, description="module:attr of a factory, class, function or object")
    params: dict[str, Any] = Field(default_factory=dict)


class FactoryAgent(_Strict):
    """`target` builds the agent: called once per session as `target(model=tier, **params)`, never guessed."""

    kind: Literal["factory"]
    target: str = Field(pattern=TARGET_PATTERN, description="module:attr of a factory: target(model=tier, **params)")
    params: dict[str, Any] = Field(default_factory=dict)


class ObjectAgent(_Strict):
    """A Python object handed to `evalkit.run_scenario(agent=...)`, by its id in this process's object table."""

    kind: Literal["object"]
    ref: str


class ModelAgent(_Strict):
    kind: Literal["model"]
    model: str | None = None
    system_prompt: str
    tools: list[str] = Field(default_factory=list, description="module:function, schema from type hints")
    max_steps: int = Field(default=8, gt=0)
    temperature: float | None = None
    base_url: str | None = Field(default=None, description="Endpoint of the model (an OpenAI-compatible server, say).")


class HttpAgent(_Strict):
    kind: Literal["http"]
    url: str
    headers: dict[str, str] = Field(default_factory=dict, description="Values may use ${ENV_VAR}; never logged.")
    body_template: str | None = Field(default=None, description="jinja2 template rendering the request JSON body.")
    reply_path: str = Field(default="reply", description="Dotted path of the reply text in the response JSON.")
    timeout_s: float = Field(default=60, gt=0)


BUILTIN_AGENT_KINDS = ("callable", "factory", "model", "http", "object")
AGENT_ENTRY_POINTS = "evalkit.agents"


class PluginAgent(BaseModel):
    """An agent kind an installed package registers (entry point group `evalkit.agents`, named as the kind).

    The loader checks that the kind is installed; the package's own config model checks the other
    keys when a session builds the agent (a setup error naming the key).
    """

    model_config = ConfigDict(extra="allow")

    kind: str = Field(
        description="An agent kind installed through the evalkit.agents entry point group.",
        json_schema_extra={"not": {"enum": list(BUILTIN_AGENT_KINDS)}},
    )

    @field_validator("kind")
    @classmethod
    def _installed(cls, kind: str) -> str:
        if kind in BUILTIN_AGENT_KINDS:  # not this branch: the built-in kind's own model explains the problem
            raise PydanticCustomError("builtin_agent_kind", "{kind} is a built-in agent kind", {"kind": kind})
        installed = sorted(ep.name for ep in entry_points(group=AGENT_ENTRY_POINTS))
        if kind not in installed:
            known = [*BUILTIN_AGENT_KINDS[:-1], *installed]
            close = difflib.get_close_matches(kind, known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ValueError(f"unknown agent kind {kind!r} ({hint}expected one of: {', '.join(known)})")
        return kind


# ObjectAgent is set from Python only (run_scenario), so the suite schema does not offer it
AgentConfig = CallableAgent | FactoryAgent | ModelAgent | HttpAgent | PluginAgent | SkipJsonSchema[ObjectAgent]


class SimulatorConfig(_Strict):
    model: str | None = None
    base_url: str | None = Field(
        default=None, description="Endpoint of the simulator model, e.g. http://localhost:11434/v1."
    )
    temperature: float = Field(default=0.7, ge=0, le=2)
    max_tokens: int | None = Field(default=None, gt=0)
    template: str | None = Field(default=None, description="System prompt template (jinja2), relative to the suite.")
    kickoff_template: str | None = Field(
        default=None,
        description="Template of the bracketed note that opens the simulator's side, relative to the suite.",
    )
    no_reply_template: str | None = Field(
        default=None,
        description="Template shown to the simulator when the agent said nothing visible, relative to the suite.",
    )
    guardrails: dict[str, Literal["warn", "invalidate", "off"]] = Field(default_factory=dict)


class JudgeTrustGate(_Strict):
    """The judge_trust gate and its floors (also `evalkit calibrate check`'s): floors apply to interval bounds."""

    require: Literal["off", "warn", "fail"] = Field(
        default="warn",
        description="What a rubric x judge without a trusted, current calibration record does to the suite gate: "
        "nothing, a warning, or INCONCLUSIVE. It never turns a FAIL into a PASS.",
    )
    min_kappa: float = Field(default=0.6, ge=-1, le=1, description="Floor on Cohen's kappa's lower bound.")
    min_tpr: float = Field(default=0.8, ge=0, le=1, description="Floor on TPR's lower bound.")
    max_fpr: float = Field(default=0.15, ge=0, le=1, description="Ceiling on FPR's upper bound.")
    min_clusters: int = Field(default=10, ge=1, description="Labels from fewer scenarios make a record at best weak.")
    max_age_days: int | None = Field(
        default=120,
        ge=1,
        description="A record older than this is 'aged' (not trusted); null: no limit.",
    )


class GateConfig(_Strict):
    mode: Literal["pass_rate", "pass_hat_k"] = "pass_rate"
    scenario_pass_rate: float = Field(default=0.8, ge=0, le=1)
    min_valid_trials: int | None = Field(
        default=None,
        ge=1,
        description="Valid trials a scenario needs for a verdict; default: half its trials, rounded up. Never capped.",
    )
    suite_mean_lower_ci: float | None = Field(default=None, ge=0, le=1)
    max_invalid_rate: float = Field(default=0.1, ge=0, le=1)
    confidence: float = Field(default=0.95, gt=0.5, lt=1)
    inconclusive: Literal["fail", "warn"] = "fail"
    regression_margin: float = Field(default=0.05, ge=0, le=1)
    criterion_thresholds: dict[str, float] = Field(default_factory=dict)
    judge_trust: JudgeTrustGate = Field(default_factory=JudgeTrustGate)
    corrected: Literal["off", "rogan_gladen", "ppi"] = Field(
        default="off",
        description="Gate on a corrected pass rate: rogan_gladen (the calibration record's TPR/FPR) or ppi "
        "(labels sampled from this run); raw and corrected are printed side by side.",
    )


class ScenarioDefaults(_Strict):
    persona: str | Persona | None = None
    max_turns: int = Field(default=10, gt=0)
    min_turns: int = Field(default=0, ge=0)
    checks: list[Check] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    agent_turn_timeout_s: float = Field(default=120, gt=0)
    session_timeout_s: float = Field(default=600, gt=0)


class Suite(_Strict):
    suite: str = Field(description="Suite name")
    description: str = ""
    agent: AgentTarget | AgentConfig = Field(description="module:attr shorthand or an inline agent config")
    agent_params: dict[str, Any] = Field(default_factory=dict)
    agent_models: list[str] = Field(
        default_factory=list,
        description="Tiers to run and compare: provider:model, or {model, base_url}.",
        json_schema_extra={"items": {"anyOf": [{"type": "string"}, TIER_SCHEMA]}},
    )
    tier_base_urls: SkipJsonSchema[dict[str, str]] = Field(default_factory=dict)  # filled from agent_models
    simulator: SimulatorConfig = Field(default_factory=SimulatorConfig)
    judge: JudgeConfig | None = None
    rubrics: list[str] = Field(default_factory=list, description="'id@version' or 'id' (newest)")
    trials: int = Field(default=3, ge=1)
    seed: int = 0
    gate: GateConfig = Field(default_factory=GateConfig)
    defaults: ScenarioDefaults = Field(default_factory=ScenarioDefaults)
    personas: list[Persona] = Field(default_factory=list)
    offline_rules: str | None = Field(
        default=None,
        description="Mock rules file (relative to the suite) served by the fake LLM server in --offline runs.",
    )
    scenarios: list[Scenario] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _split_tiers(cls, data: Any) -> Any:
        return split_tiers(data)

    def without_endpoints(self) -> Suite:
        """This suite with every model endpoint it names dropped: offline, all models go to the fake server."""
        judge = self.judge.model_copy(update={"base_url": None}) if self.judge else None
        agent = self.agent_config
        return self.model_copy(
            update={
                "tier_base_urls": {},
                "judge": judge,
                "simulator": self.simulator.model_copy(update={"base_url": None}),
                "agent": agent.model_copy(update={"base_url": None}) if isinstance(agent, ModelAgent) else self.agent,
            }
        )

    def tier_base_url(self, tier: str | None) -> str | None:
        """The endpoint written next to this tier in agent_models, if any."""
        return self.tier_base_urls.get(tier) if tier else None

    @property
    def agent_config(self) -> AgentConfig:
        return CallableAgent(target=self.agent) if isinstance(self.agent, str) else self.agent
