"""evalkit.spec: what users author (rubrics, personas, suites) and how it is loaded.

Loading reports every problem in a file at once as `path:line:col: key: message`,
pins rubric references to id@version+fingerprint, and exports JSON Schemas.
"""

from evalkit.spec.check_registry import CHECKS
from evalkit.spec.checks import Check
from evalkit.spec.fingerprint import canonical_content, fingerprint
from evalkit.spec.lint import SpecWarning
from evalkit.spec.models import (
    AgentConfig,
    CallableAgent,
    Criterion,
    FactoryAgent,
    GateConfig,
    HttpAgent,
    JudgeConfig,
    ModelAgent,
    ObjectAgent,
    Persona,
    PluginAgent,
    Rubric,
    ScaleRange,
    Scenario,
    ScenarioDefaults,
    ScriptedTurn,
    SimulatorConfig,
    Suite,
    UserTurn,
)
from evalkit.spec.personas import load_persona, load_personas
from evalkit.spec.problems import Problem, SpecError
from evalkit.spec.project import find_project_root
from evalkit.spec.rubrics import ResolvedRubric, RubricNotFound, RubricRegistry, load_rubric
from evalkit.spec.schema import json_schema
from evalkit.spec.suites import LoadedSuite, is_suite_file, load_suite

__all__ = [
    "CHECKS",
    "AgentConfig",
    "CallableAgent",
    "Check",
    "Criterion",
    "FactoryAgent",
    "GateConfig",
    "HttpAgent",
    "JudgeConfig",
    "LoadedSuite",
    "ModelAgent",
    "ObjectAgent",
    "Persona",
    "PluginAgent",
    "Problem",
    "ResolvedRubric",
    "Rubric",
    "RubricNotFound",
    "RubricRegistry",
    "ScaleRange",
    "Scenario",
    "ScenarioDefaults",
    "ScriptedTurn",
    "SimulatorConfig",
    "SpecError",
    "SpecWarning",
    "Suite",
    "UserTurn",
    "canonical_content",
    "find_project_root",
    "fingerprint",
    "is_suite_file",
    "json_schema",
    "load_persona",
    "load_personas",
    "load_rubric",
    "load_suite",
]
