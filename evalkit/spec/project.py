"""Where a project's rubrics, personas and suites live."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def find_project_root(start: str | Path | None = None) -> Path:
    """The nearest directory at or above `start` holding pyproject.toml, else the cwd."""
    here = Path(start or Path.cwd()).resolve()
    if here.is_file():
        here = here.parent
    for candidate in (here, *here.parents):
        if (candidate / "pyproject.toml").is_file():
            return candidate
    return Path.cwd()


def rubric_dirs(root: Path) -> list[Path]:
    return [root / "rubrics"]


def persona_dirs(root: Path) -> list[Path]:
    return [root / "personas"]


def suite_dirs(root: Path) -> list[Path]:
    return [root / "suites"]


def template_dirs(root: Path) -> list[Path]:
    """Shared judge templates; a rubric may also use templates in its own folder."""
    return [root / "templates"]


def is_inside(path: Path, folders: Iterable[Path]) -> bool:
    """True when `path`, symlinks resolved, lies inside one of `folders` (also resolved)."""
    real = path.resolve()
    return any(real.is_relative_to(folder.resolve()) for folder in folders)


def yaml_files(paths: Iterable[str | Path]) -> list[Path]:
    """Every .yaml/.yml file named or below the given paths, sorted; missing paths are skipped."""
    return files_below(paths, (".yaml", ".yml"))


def files_below(paths: Iterable[str | Path], suffixes: tuple[str, ...]) -> list[Path]:
    """Every file named, or found below a named directory with one of `suffixes`, sorted; missing paths skipped."""
    files: list[Path] = []
    for item in paths:
        base = Path(item)
        if base.is_file():
            files.append(base)
        elif base.is_dir():
            files += [p for p in base.rglob("*") if p.suffix in suffixes and p.is_file()]
    return sorted(set(files))
