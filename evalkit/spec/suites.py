"""Loading a suite: validate it, resolve its rubrics and personas, apply defaults."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from evalkit.security import watch_references
from evalkit.spec.gate_keys import threshold_key_problems
from evalkit.spec.lint import judge_warnings
from evalkit.spec.models import Persona, Scenario, Suite
from evalkit.spec.personas import scan_personas
from evalkit.spec.prices import note_suite_dir
from evalkit.spec.problems import Problem, SpecError
from evalkit.spec.project import find_project_root, is_inside, persona_dirs, rubric_dirs, template_dirs
from evalkit.spec.references import persona_refs, reference_problems, rubric_refs
from evalkit.spec.rubrics import ResolvedRubric, RubricRegistry, raw_id
from evalkit.spec.validate import validate_as
from evalkit.spec.validate_later import SIMULATOR_TEMPLATE_KEYS
from evalkit.spec.yamlsource import Located, read_yaml
from evalkit.spec.yamltext import sniff_text

_SUITE_KEY = re.compile(r"^['\"]?suite['\"]?\s*:", re.MULTILINE)
_SUITE_SCHEMA = re.compile(r"\$schema=\S*suite\.schema\.json")
_FLOW_START = re.compile(r"\A\ufeff?(?:[ \t]*(?:#[^\n]*)?\n|[ \t]*---[^\n]*\n)*[ \t]*\{")  # blanks, comments, ---
_FLOW_KEY = re.compile(r"""\s*(['"]?)suite\1\s*:""")


@dataclass
class LoadedSuite:
    """A validated suite with every reference pinned (rubrics to id@version+fingerprint)."""

    path: Path
    suite: Suite
    file_hash: str
    scenarios: list[Scenario]
    rubrics: dict[str, ResolvedRubric] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)  # this suite's and its rubrics' (evalkit.spec.lint)
    scenario_lines: dict[str, int] = field(default_factory=dict)  # 1-based line of each scenario's entry
    gate_line: int | None = None  # 1-based line of `gate:` (else `suite:`): where a gate's failure points
    _positions: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    def rubrics_for(self, scenario: Scenario | str) -> list[ResolvedRubric]:
        """The exact rubrics a scenario is judged by (its override, else the suite's)."""
        scenario_id = scenario if isinstance(scenario, str) else scenario.id
        resolved = self._scenario(scenario_id)
        return [self.rubrics[ref] for ref in resolved.rubrics or []]

    def _scenario(self, scenario_id: str) -> Scenario:
        """Look up by id through a position index (a scan per call made big runs quadratic)."""
        pos = self._positions.get(scenario_id)
        if pos is None or pos >= len(self.scenarios) or self.scenarios[pos].id != scenario_id:
            self._positions = {}
            for i, s in enumerate(self.scenarios):
                self._positions.setdefault(s.id, i)
            pos = self._positions.get(scenario_id)
            if pos is None:
                raise KeyError(f"suite {self.suite.suite!r} has no scenario {scenario_id!r}")
        return self.scenarios[pos]

    def scenario_line(self, scenario_id: str) -> int | None:
        """The YAML line a scenario starts on, so pytest items, IDEs and CI annotations point at it."""
        return self.scenario_lines.get(scenario_id)

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
        head = sniff_text(file.read_bytes()[:200_000])
    except OSError:
        return False
    return bool(_SUITE_KEY.search(head) or _SUITE_SCHEMA.search(head) or _flow_suite_key(head))


def _flow_suite_key(text: str) -> bool:
    """A document that is one flow mapping (JSON style) with a `suite` key at its top level.

    YAML is a superset of JSON, so `{"suite": "x", ...}` is a suite too. A scan of
    brackets and quotes, not a parse: cheap on every YAML file pytest collects.
    """
    start = _FLOW_START.match(text)
    if start is None:
        return False
    depth, i, key_next = 1, start.end(), True
    while i < len(text) and depth:
        if depth == 1 and key_next and _FLOW_KEY.match(text, i):
            return True
        ch = text[i]
        if ch in "\"'":
            i = _string_end(text, i)
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
        elif ch == "#" and text[i - 1].isspace():
            i = text.find("\n", i) % (len(text) + 1)  # a comment runs to the end of its line
            continue
        key_next = (ch == "," and depth == 1) or (key_next and ch.isspace())
        i += 1
    return False


def _string_end(text: str, i: int) -> int:
    """Index of the quote closing the string opened at i (YAML '' escapes and JSON backslashes)."""
    quote, j = text[i], i + 1
    while j < len(text):
        if text[j] == "\\" and quote == '"':
            j += 2
            continue
        if text[j] == quote:
            if quote == "'" and text[j + 1 : j + 2] == "'":
                j += 2
                continue
            return j
        j += 1
    return j


def load_suite(path: str | Path, root: Path | None = None) -> LoadedSuite:
    """Load and validate a suite; raises SpecError listing every problem found."""
    file = Path(path)
    located = read_yaml(file)
    watch_references(located.text)  # `${NAME}` values are secrets in every artifact of the run
    suite, problems = validate_as(located, "suite")
    project = Path(root) if root is not None else find_project_root(file.parent)
    registry = RubricRegistry.from_dirs(rubric_dirs(project))
    library, persona_problems = scan_personas(persona_dirs(project))
    problems += reference_problems(located, registry, library)
    problems += _used_file_problems(located, registry.problems + persona_problems)
    problems += note_suite_dir(file.parent, project)  # its prices.yaml and [tool.evalkit.prices]
    if suite is not None and not problems:
        problems += _turn_problems(located, suite) + _simulator_template_problems(located, suite, project)
    if problems or suite is None:
        raise SpecError(problems)
    loaded = _resolve(file, located, suite, registry, library)
    problems = threshold_key_problems(located, suite, list(loaded.rubrics.values()), loaded.scenarios)
    if problems:
        raise SpecError(problems)
    own = judge_warnings(located, ("judge",), suite.judge)
    loaded.warnings = sorted(set(own).union(*(r.warnings for r in loaded.rubrics.values())))
    return loaded


def _used_file_problems(located: Located, problems: list[Problem]) -> list[Problem]:
    """Broken rubric/persona files are reported only when this suite depends on them."""
    used = {ref.split("@")[0] for _, ref in rubric_refs(located.data)}
    used |= {name for _, name in persona_refs(located.data)}
    return [p for p in problems if raw_id(p.path) in used]


def _simulator_template_problems(located: Located, suite: Suite, project: Path) -> list[Problem]:
    """Each simulator template is sent to the simulator model: like a rubric's, it must stay inside the project.
    (Whether it exists and compiles is `evalkit validate`'s question: evalkit.spec.validate_later.)"""
    folder = Path(located.path).parent
    problems = []
    for key in SIMULATOR_TEMPLATE_KEYS:
        template = getattr(suite.simulator, key)
        if template is None or (
            not Path(template).is_absolute() and is_inside(folder / template, [folder, *template_dirs(project)])
        ):
            continue
        message = (
            f"simulator {key} {template!r} is outside the project "
            "(expected a path relative to this suite, inside its folder or the project's templates/ folder)"
        )
        problems.append(located.problem(("simulator", key), message))
    return problems


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
    return LoadedSuite(
        path=file,
        suite=suite,
        file_hash=file_hash,
        scenarios=scenarios,
        rubrics=pinned,
        scenario_lines=_scenario_lines(located, suite),
        gate_line=_gate_line(located),
    )


def _scenario_lines(located: Located, suite: Suite) -> dict[str, int]:
    """Each scenario's line (its list entry's first key), kept from the load that already knows every position."""
    lines: dict[str, int] = {}
    for index, scenario in enumerate(suite.scenarios):
        position = located.values.get(("scenarios", index))
        if position is not None:
            lines.setdefault(scenario.id, position[0])
    return lines


def _gate_line(located: Located) -> int | None:
    position = located.keys.get(("gate",)) or located.keys.get(("suite",))
    return position[0] if position else None
