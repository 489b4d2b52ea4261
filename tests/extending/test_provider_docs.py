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


def test_the_docs_show_the_worked_example_as_the_tests_run_it() -> None:
    """docs/extending.md shows the alias module byte for byte; providers.md its add_provider call."""
    module = (Path(__file__).parent / "provider_package" / "evalkit_together.py").read_text()
    extending = (DOCS.parent / "extending.md").read_text()
    blocks = [block.split("\n", 1)[1] for block in extending.split("```")[1::2] if block.startswith("python\n")]
    assert module in blocks
    call = module[module.index("add_provider(\n") :]
    assert call in DOCS.read_text()
