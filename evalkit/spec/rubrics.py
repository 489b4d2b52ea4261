"""Loading rubrics and finding them by reference ("id@version" or "id" = newest)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from evalkit.spec.fingerprint import fingerprint
from evalkit.spec.lint import judge_warnings
from evalkit.spec.messages import did_you_mean
from evalkit.spec.models import Rubric
from evalkit.spec.problems import Problem, SpecError, display_path
from evalkit.spec.project import find_project_root, is_inside, template_dirs, yaml_files
from evalkit.spec.validate import validate_as
from evalkit.spec.yamlsource import Located, key_problem, read_yaml

REF_PATTERN = re.compile(r"^(?P<id>[A-Za-z0-9_.-]+?)(?:@(?P<version>[0-9]+))?$")
_FILE_VERSION = re.compile(r"\.v(?P<version>[0-9]+)\.ya?ml$")


class ResolvedRubric(BaseModel):
    """A rubric pinned to the exact content that was loaded."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    rubric: Rubric
    fingerprint: str
    path: Path
    template_text: str | None = None
    warnings: tuple[Problem, ...] = ()  # see evalkit.spec.lint

    @property
    def ref(self) -> str:
        return self.rubric.ref


class RubricNotFound(LookupError):
    """A reference that names no loaded rubric; the message suggests the likely one."""


def load_rubric(path: str | Path) -> ResolvedRubric:
    """Load, validate and fingerprint one rubric file; raises SpecError."""
    located = read_yaml(path)
    rubric, problems = validate_as(located, "rubric")
    template_text = None
    if rubric is not None:
        template_text, more = _template(located, rubric)
        problems += more + _file_version_problems(located, rubric)
    if problems or rubric is None:
        raise SpecError(problems)
    return ResolvedRubric(
        rubric=rubric,
        fingerprint=fingerprint(rubric, template_text),
        path=Path(path),
        template_text=template_text,
        warnings=tuple(judge_warnings(located, ("judge",), rubric.judge)),
    )


def _template(located: Located, rubric: Rubric) -> tuple[str | None, list[Problem]]:
    """The judge template's text; it must live in the rubric's folder or the project's templates/ folder.

    Its text is sent to the judge model, so a path that leaves the project (absolute, `../`, a
    symlink out) would ship an arbitrary local file to a provider: that is a load error.
    """
    if rubric.template is None:
        return None, []
    folder = Path(located.path).parent
    file = folder / rubric.template
    allowed = [folder, *template_dirs(find_project_root(folder))]
    if Path(rubric.template).is_absolute() or not is_inside(file, allowed):
        message = (
            f"judge template {rubric.template!r} is outside the project "
            "(expected a path relative to this rubric, inside its folder or the project's templates/ folder)"
        )
        return None, [located.problem(("template",), message)]
    try:
        return file.read_text(encoding="utf-8"), []
    except (OSError, UnicodeDecodeError) as exc:
        why = "not found" if isinstance(exc, FileNotFoundError) else f"unreadable ({exc})"
        message = f"judge template {display_path(file)} is {why} (expected a path relative to this rubric)"
        return None, [located.problem(("template",), message)]


def _file_version_problems(located: Located, rubric: Rubric) -> list[Problem]:
    """`resolution.v2.yaml` must hold version 2: catches copy-paste before it is locked."""
    match = _FILE_VERSION.search(Path(located.path).name)
    if match and int(match["version"]) != rubric.version:
        name = Path(located.path).name
        message = f"version {rubric.version} does not match the file name {name} (expected version: {match['version']})"
        return [located.problem(("version",), message)]
    return []


class RubricRegistry:
    """All rubrics found under some directories, by id and version."""

    def __init__(self, rubrics: Iterable[ResolvedRubric] = (), problems: Iterable[Problem] = ()) -> None:
        self.problems: list[Problem] = list(problems)
        self._by_id: dict[str, dict[int, ResolvedRubric]] = {}
        for resolved in rubrics:
            self.add(resolved)

    @classmethod
    def from_dirs(cls, dirs: Iterable[str | Path]) -> RubricRegistry:
        """Load every rubric file; broken files end up in `.problems` instead of raising."""
        registry = cls()
        for file in yaml_files(dirs):
            try:
                registry.add(load_rubric(file))
            except SpecError as err:
                registry.problems += err.problems
        return registry

    def add(self, resolved: ResolvedRubric) -> None:
        versions = self._by_id.setdefault(resolved.rubric.id, {})
        existing = versions.get(resolved.rubric.version)
        if existing is not None and existing.path != resolved.path:
            message = f"{resolved.ref} is also defined in {display_path(existing.path)} (expected each id@version once)"
            self.problems.append(key_problem(resolved.path, "version", message))
            return
        versions[resolved.rubric.version] = resolved

    def all(self) -> list[ResolvedRubric]:
        return [self._by_id[i][v] for i in sorted(self._by_id) for v in sorted(self._by_id[i])]

    def ids(self) -> list[str]:
        return sorted(self._by_id)

    def versions(self, rubric_id: str) -> list[int]:
        return sorted(self._by_id.get(rubric_id, {}))

    def resolve(self, ref: str) -> ResolvedRubric:
        """ "id@2" -> that version; "id" -> the newest version. Raises RubricNotFound."""
        message = self.why_unresolved(ref)
        if message:
            raise RubricNotFound(message)
        match = REF_PATTERN.match(ref)
        assert match is not None
        versions = self._by_id[match["id"]]
        return versions[int(match["version"])] if match["version"] else versions[max(versions)]

    def why_unresolved(self, ref: str) -> str | None:
        """None when `ref` resolves, else a one-line reason with a suggestion."""
        match = REF_PATTERN.match(ref) if isinstance(ref, str) else None
        if match is None:
            return f"{ref!r} is not a rubric reference (expected 'id' or 'id@version', e.g. support.resolution@2)"
        rubric_id, version = match["id"], match["version"]
        if rubric_id not in self._by_id:
            broken = self._broken_file(rubric_id)
            if broken:
                return f"rubric '{rubric_id}' could not be loaded (expected a valid rubric; fix the errors in {broken})"
            guess = did_you_mean(rubric_id, self._by_id)
            hint = f"did you mean '{guess}'?" if guess else f"known rubrics: {', '.join(self.ids()) or 'none'}"
            return f"unknown rubric '{rubric_id}' ({hint})"
        if version is not None and int(version) not in self._by_id[rubric_id]:
            available = self.versions(rubric_id)
            listed = ", ".join(str(v) for v in available)
            guess = f"{rubric_id}@{available[-1]}"
            return f"rubric '{rubric_id}' has no version {version} (available: {listed}; did you mean '{guess}'?)"
        return None

    def _broken_file(self, rubric_id: str) -> str | None:
        for problem in self.problems:
            text = raw_id(problem.path)
            if text == rubric_id:
                return display_path(problem.path)
        return None


def raw_id(path: str) -> str | None:
    """Best-effort `id:` of a file that failed to load, to explain dangling references."""
    try:
        for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("id:"):
                return line[3:].split("#")[0].strip().strip("'\"")
    except OSError:
        return None
    return None
