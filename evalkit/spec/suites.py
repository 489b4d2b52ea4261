"""Loading a suite: validate it, resolve its rubrics and personas, apply defaults."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from evalkit.spec.models import Persona, Scenario, Suite
from evalkit.spec.personas import scan_personas
from evalkit.spec.problems import Problem, SpecError
from evalkit.spec.project import find_project_root, persona_dirs, rubric_dirs
from evalkit.spec.references import persona_refs, reference_problems, rubric_refs
from evalkit.spec.rubrics import ResolvedRubric, RubricRegistry, raw_id
from evalkit.spec.validate import validate_as
from evalkit.spec.yamlsource import Located, read_yaml

_SUITE_KEY = re.compile(r"^['\"]?suite['\"]?\s*:", re.MULTILINE)
_SUITE_SCHEMA = re.compile(r"\$schema=\S*suite\.schema\.json")


@dataclass
class LoadedSuite:
    """A validated suite with every reference pinned (rubrics to id@version+fingerprint)."""

    path: Path
    suite: Suite
    file_hash: str
    scenarios: list[Scenario]
    rubrics: dict[str, ResolvedRubric] = field(default_factory=dict)

    def rubrics_for(self, scenario: Scenario | str) -> list[ResolvedRubric]:
        """The exact rubrics a scenario is judged by (its override, else the suite's)."""
        scenario_id = scenario if isinstance(scenario, str) else scenario.id
        resolved = next(s for s in self.scenarios if s.id == scenario_id)
        return [self.rubrics[ref] for ref in resolved.rubrics or []]

    @property
    def rubric_files_hash(self) -> str:
        """Changes whenever the meaning of any rubric this suite uses changes."""
        lines = "\n".join(f"{ref}={r.fingerprint}" for ref, r in sorted(self.rubrics.items()))
        return hashlib.sha256(lines.encode()).hexdigest()[:12]


def is_suite_file(path: str | Path) -> bool:
    """A YAML file whose top-level mapping has a `suite:` key (cheap; broken suites count too)."""
    file = Path(path)
    if file.suffix not in (".yaml", ".yml") or not file.is_file():
        return False
    try:
        head = file.read_bytes()[:200_000].decode("utf-8", errors="replace")
    except OSError:
        return False
    return bool(_SUITE_KEY.search(head) or _SUITE_SCHEMA.search(head))


def load_suite(path: str | Path, root: Path | None = None) -> LoadedSuite:
    """Load and validate a suite; raises SpecError listing every problem found."""
    file = Path(path)
    located = read_yaml(file)
    suite, problems = validate_as(located, "suite")
    project = Path(root) if root is not None else find_project_root(file.parent)
    registry = RubricRegistry.from_dirs(rubric_dirs(project))
    library, persona_problems = scan_personas(persona_dirs(project))
    problems += reference_problems(located, registry, library)
    problems += _used_file_problems(located, registry.problems + persona_problems)
    if suite is not None and not problems:
        problems += _turn_problems(located, suite)
    if problems or suite is None:
        raise SpecError(problems)
    return _resolve(file, located, suite, registry, library)


def _used_file_problems(located: Located, problems: list[Problem]) -> list[Problem]:
    """Broken rubric/persona files are reported only when this suite depends on them."""
    used = {ref.split("@")[0] for _, ref in rubric_refs(located.data)}
    used |= {name for _, name in persona_refs(located.data)}
    return [p for p in problems if raw_id(p.path) in used]


def _turn_problems(located: Located, suite: Suite) -> list[Problem]:
    problems = []
    for index, scenario in enumerate(suite.scenarios):
        low = scenario.min_turns if scenario.min_turns is not None else suite.defaults.min_turns
        high = scenario.max_turns or suite.defaults.max_turns
        if low > high:
            message = f"min_turns {low} is above max_turns {high} (expected min_turns <= max_turns)"
            problems.append(located.problem(("scenarios", index, "min_turns"), message))
    return problems


def _resolve(
    file: Path, located: Located, suite: Suite, registry: RubricRegistry, library: dict[str, Persona]
) -> LoadedSuite:
    inline = {p.id: p for p in suite.personas}
    pinned: dict[str, ResolvedRubric] = {}
    scenarios = []
    for scenario in suite.scenarios:
        refs = []
        for ref in scenario.rubrics if scenario.rubrics is not None else suite.rubrics:
            resolved = registry.resolve(ref)
            pinned[resolved.ref] = resolved
            refs.append(resolved.ref)
        persona = scenario.persona if scenario.persona is not None else suite.defaults.persona
        if isinstance(persona, str):
            persona = inline.get(persona) or library[persona]
        scenarios.append(
            scenario.model_copy(
                update={
                    "persona": persona,
                    "rubrics": refs,
                    "max_turns": scenario.max_turns or suite.defaults.max_turns,
                    "min_turns": scenario.min_turns if scenario.min_turns is not None else suite.defaults.min_turns,
                    "checks": [*suite.defaults.checks, *scenario.checks],
                    "tags": list(dict.fromkeys([*suite.defaults.tags, *scenario.tags])),
                    "trials": scenario.trials or suite.trials,
                }
            )
        )
    file_hash = hashlib.sha256(located.text.encode("utf-8")).hexdigest()[:12]
    return LoadedSuite(path=file, suite=suite, file_hash=file_hash, scenarios=scenarios, rubrics=pinned)
