"""Which suites use which rubric versions (for `evalkit rubrics list`)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from evalkit.spec.problems import SpecError
from evalkit.spec.project import yaml_files
from evalkit.spec.references import rubric_refs
from evalkit.spec.rubrics import RubricNotFound, RubricRegistry
from evalkit.spec.suites import is_suite_file
from evalkit.spec.yamlsource import read_yaml


def suites_using(registry: RubricRegistry, suite_paths: Iterable[Path]) -> dict[str, list[str]]:
    """Exact rubric ref -> names of suites whose references resolve to it (broken suites are skipped)."""
    usage: dict[str, list[str]] = {}
    for file in yaml_files(suite_paths):
        if not is_suite_file(file):
            continue
        try:
            located = read_yaml(file)
        except SpecError:
            continue
        name = str(located.data.get("suite", file.stem))
        for _, ref in rubric_refs(located.data):
            try:
                exact = registry.resolve(ref).ref
            except RubricNotFound:
                continue
            if name not in usage.setdefault(exact, []):
                usage[exact].append(name)
    return usage
