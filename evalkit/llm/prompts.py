"""Render the few prompts model access needs (JSON instruction, repair) from jinja2 templates."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "llm"


@lru_cache(maxsize=1)
def _env() -> SandboxedEnvironment:
    return SandboxedEnvironment(
        loader=FileSystemLoader(_TEMPLATES), undefined=StrictUndefined, keep_trailing_newline=False
    )


def render(name: str, **values: Any) -> str:
    return _env().get_template(name).render(**values).strip()
