"""JSON Schemas for authored files, generated from the pydantic models.

The same schema feeds editors (via the `# yaml-language-server: $schema=`
comment) and evalkit's own loader, so both flag the same mistakes. A check's
kind keys come from the check registry (`Check.__get_pydantic_json_schema__`),
so a kind installed through the `evalkit.checks` entry point is in the schema
too; `schemas/*.json` hold evalkit's own kinds.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel

from evalkit.spec.label_model import Label
from evalkit.spec.models import Persona, Rubric, Suite

Kind = Literal["rubric", "suite", "persona", "label"]
KINDS: tuple[Kind, ...] = ("rubric", "suite", "persona", "label")
MODELS: dict[str, type[BaseModel]] = {"rubric": Rubric, "suite": Suite, "persona": Persona, "label": Label}
_TITLES = {
    "rubric": "evalkit rubric: versioned criteria an LLM judge or a deterministic check scores",
    "suite": "evalkit suite: the agent under test, its model tiers, rubrics, gates and scenarios",
    "persona": "evalkit persona: a reusable simulated user",
    "label": "evalkit label: one line of a labels .jsonl file, a person's scores for one transcript under one rubric",
}


@cache
def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) for one kind of authored file."""
    schema = MODELS[kind].model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://evalkit.dev/schemas/{kind}.schema.json",
        "title": _TITLES[kind],
        **{k: v for k, v in schema.items() if k != "title"},
    }


def schema_text(kind: str) -> str:
    """Stable, diff-friendly JSON text of a schema (what `schemas/*.json` hold)."""
    return json.dumps(json_schema(kind), indent=2, sort_keys=True) + "\n"


def schema_filename(kind: str) -> str:
    return f"{kind}.schema.json"
