"""docs/providers.md's table is the registry's: regenerate it (`python -m evalkit.llm.providers.docs
docs/providers.md`) when a built-in provider changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.llm.providers.docs import BEGIN, END, providers_table, with_table

DOCS = Path(__file__).parents[2] / "docs" / "providers.md"


def test_the_providers_table_in_the_docs_is_current() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert with_table(text) == text, "stale: run python -m evalkit.llm.providers.docs docs/providers.md"
    for name in ("openai", "anthropic", "mock"):
        assert f"| `{name}:` |" in providers_table()


def test_regenerating_replaces_only_the_table_and_needs_both_markers() -> None:
    stale = f"intro\n{BEGIN}\n| old | table |\n{END}\noutro\n"
    assert with_table(stale) == f"intro\n{BEGIN}\n{providers_table()}\n{END}\noutro\n"
    with pytest.raises(ValueError, match="expected the markers"):
        with_table("no markers here")
