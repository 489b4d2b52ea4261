"""The persona library: reusable simulated users, one per YAML file under `personas/`."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from evalkit.spec.models import Persona
from evalkit.spec.problems import Problem, SpecError, display_path
from evalkit.spec.project import yaml_files
from evalkit.spec.validate import validate_as
from evalkit.spec.yamlsource import key_problem, read_yaml


def load_persona(path: str | Path) -> Persona:
    """Load and validate one persona file; raises SpecError."""
    located = read_yaml(path)
    persona, problems = validate_as(located, "persona")
    if problems or persona is None:
        raise SpecError(problems)
    return persona


def scan_personas(dirs: Iterable[str | Path]) -> tuple[dict[str, Persona], list[Problem]]:
    """Every persona under `dirs` by id, and the problems of files that failed."""
    found: dict[str, Persona] = {}
    where: dict[str, Path] = {}
    problems: list[Problem] = []
    for file in yaml_files(dirs):
        try:
            persona = load_persona(file)
        except SpecError as err:
            problems += err.problems
            continue
        if persona.id in found:
            other = display_path(where[persona.id])
            message = f"persona '{persona.id}' is also defined in {other} (expected unique persona ids)"
            problems.append(key_problem(file, "id", message))
            continue
        found[persona.id], where[persona.id] = persona, file
    return found, problems


def load_personas(dirs: Iterable[str | Path]) -> dict[str, Persona]:
    """The persona library by id; raises SpecError if any file is invalid."""
    found, problems = scan_personas(dirs)
    if problems:
        raise SpecError(problems)
    return found
