"""Validate many authored files at once (what `evalkit validate` runs).

Each file's kind (suite, rubric, persona) comes from its schema comment, the
directory it lives in, or a top-level `suite:` key, in that order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from evalkit.spec.personas import load_persona
from evalkit.spec.problems import Problem, SpecError
from evalkit.spec.project import yaml_files
from evalkit.spec.rubrics import RubricRegistry, load_rubric
from evalkit.spec.suites import LoadedSuite, is_suite_file, load_suite
from evalkit.spec.validate_later import SIMULATOR_TEMPLATE_KEYS, rubric_later_problems, suite_later_problems
from evalkit.spec.yamlsource import read_yaml

_SCHEMA_COMMENT = re.compile(r"\$schema=\S*?(rubric|suite|persona)\.schema\.json")
_RUBRIC_KEY = re.compile(r"^criteria\s*:", re.MULTILINE)
_DIR_KINDS = {"rubrics": "rubric", "personas": "persona"}


@dataclass
class Survey:
    """The outcome of validating a set of paths."""

    files: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # never fail validation (evalkit.spec.lint)
    rules_files: list[Path] = field(default_factory=list)  # offline rules the suites name (checked by the caller)

    @property
    def ok(self) -> bool:
        return not self.problems


def kind_of(path: Path) -> str | None:
    """ "rubric", "suite", "persona", or None when the file does not say."""
    try:
        head = path.read_bytes()[:4096].decode("utf-8", errors="replace")
    except OSError:
        return None
    match = _SCHEMA_COMMENT.search(head)
    if match:
        return match[1]
    for part in reversed(path.parent.parts):  # the nearest rubrics/, personas/ or suites/ decides
        if part == "suites":
            break
        if part in _DIR_KINDS:
            return _DIR_KINDS[part]
    if is_suite_file(path):
        return "suite"
    return "rubric" if _RUBRIC_KEY.search(head) else None


def survey(paths: Iterable[str | Path], root: Path) -> Survey:
    """Validate every authored file named by or found under `paths`."""
    result = Survey()
    rubric_paths: list[Path] = []
    others: list[tuple[Path, list[Problem]]] = []
    for item in paths:
        explicit = Path(item).is_file()
        for file in yaml_files([item]):
            kind = kind_of(file)
            if kind is None:
                # A readable YAML file of another kind (e.g. offline rules next to a suite) is not ours
                # when found in a directory; one that is not even readable YAML is reported either way.
                unknown = _unknown_kind(file)
                if explicit:
                    result.files.append(file)
                    result.problems += unknown
                elif unknown[0].message != _UNKNOWN_KIND:
                    others.append((file, unknown))
                continue
            result.files.append(file)
            if kind == "rubric":
                rubric_paths.append(file)
            problems, warnings, rules = _check(file, kind, root)
            result.problems += problems
            result.warnings += warnings
            result.rules_files += [r for r in rules if r not in result.rules_files]
    for file, unknown in others:  # a suite's offline rules may be a plain YAML list: the rules loader judges it
        if file.resolve() not in result.rules_files:
            result.files.append(file)
            result.problems += unknown
    result.problems += RubricRegistry.from_dirs(rubric_paths).problems if len(rubric_paths) > 1 else []
    result.problems = sorted(set(result.problems))
    result.warnings = sorted(set(result.warnings))
    return result


_UNKNOWN_KIND = (
    "cannot tell what kind of file this is (expected a top-level 'suite:' or 'criteria:' key, a file under rubrics/ "
    "or personas/, or a '# yaml-language-server: $schema=.../rubric.schema.json' comment)"
)


def _unknown_kind(file: Path) -> list[Problem]:
    """YAML-level problems (empty, not UTF-8, ...) first; the kind only matters for a readable file."""
    try:
        read_yaml(file)
    except SpecError as err:
        return err.problems
    return [Problem(str(file), 1, 1, "", _UNKNOWN_KIND)]


def _check(file: Path, kind: str, root: Path) -> tuple[list[Problem], list[Problem], list[Path]]:
    """(problems, warnings, offline rules files) of one file; a suite's warnings include its rubrics'."""
    try:
        if kind == "suite":
            rules = _rules_files(file)
            loaded = load_suite(file, root=root)
            return later_suite_problems(loaded), loaded.warnings, rules
        if kind == "rubric":
            resolved = load_rubric(file)
            return rubric_later_problems(file, resolved.template_text), list(resolved.warnings), []
        load_persona(file)
    except SpecError as err:
        return err.problems, [], _rules_files(file) if kind == "suite" else []
    except Exception as exc:  # noqa: BLE001 - a validator bug must still be one line, never a traceback
        message = f"internal error while validating: {type(exc).__name__}: {exc} (please report this)"
        return [Problem(str(file), 1, 1, "", message)], [], []
    return [], [], []


def _rules_files(suite: Path) -> list[Path]:
    """The offline rules file a suite names, read from the raw document so a broken suite still claims it."""
    try:
        name = read_yaml(suite).data.get("offline_rules")
    except (SpecError, AttributeError):
        return []
    file = (suite.parent / name).resolve() if isinstance(name, str) else None
    return [file] if file is not None and file.is_file() else []


def later_suite_problems(loaded: LoadedSuite) -> list[Problem]:
    """What would fail once the suite runs, in the suite and in every rubric it uses (evalkit.spec.validate_later)."""
    suite = loaded.suite
    templates = {key: getattr(suite.simulator, key) for key in SIMULATOR_TEMPLATE_KEYS}
    problems = suite_later_problems(loaded.path, suite.agent_config, suite.simulator.template, templates)
    for resolved in loaded.rubrics.values():
        problems += rubric_later_problems(resolved.path, resolved.template_text)
    return problems
