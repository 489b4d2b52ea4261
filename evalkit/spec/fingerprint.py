"""Rubric fingerprints: a hash of what a rubric *means*, not how it is written.

Canonical JSON of the validated model (defaults omitted, keys sorted) plus
the judge template text. Comments, key order, quoting and default values
written out explicitly do not change it; any change of wording, scale,
weight, check, threshold or judge setting does.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from evalkit.spec.models import Rubric

FINGERPRINT_LENGTH = 12
# Identity and the template's location are not meaning; the template's text is.
_NOT_MEANING = {"id", "version", "template"}


def canonical_content(rubric: Rubric, template_text: str | None) -> str:
    """The exact text that is hashed; useful when debugging an unexpected change."""
    content = _prune(rubric.model_dump(mode="json", exclude_defaults=True, exclude=_NOT_MEANING, by_alias=True))
    if template_text is not None:
        content["template_text"] = template_text.replace("\r\n", "\n")
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(rubric: Rubric, template_text: str | None = None) -> str:
    """Short sha256 hex of the rubric's canonical content."""
    digest = hashlib.sha256(canonical_content(rubric, template_text).encode("utf-8")).hexdigest()
    return digest[:FINGERPRINT_LENGTH]


def _prune(value: Any) -> Any:
    """Drop mappings left empty by `exclude_defaults` (`judge: {}` means the same as no judge)."""
    if isinstance(value, dict):
        pruned = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v != {}}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value
