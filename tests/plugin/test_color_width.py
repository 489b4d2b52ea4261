"""The summary tables are as wide as the output allows: CI logs (no terminal) get COLUMNS when it is set, else a
wide default, not pytest's fallback of 80 columns that folds every long scenario id over several rows."""

from __future__ import annotations

import pytest
from plugin_helpers import Project

from evalkit.plugin.terminal import CI_WIDTH

LONG_ID = "refund-for-a-damaged-blender-ordered-with-express-shipping-and-a-gift-card"  # 74 characters

WIDE_SUITE = f"""
suite: wide
agent: tiny_agent:agent
trials: 1
scenarios:
  - id: {LONG_ID}
    goal: get a refund
    turns: [{{user: "refund please"}}]
    checks: [{{contains: "refunded"}}]
  - id: short
    goal: get a refund
    turns: [{{user: "refund please"}}]
    checks: [{{contains: "refunded"}}]
"""


def summary_lines(project: Project, monkeypatch: pytest.MonkeyPatch, columns: str | None) -> list[str]:
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    result = project.pytester.runpytest("suites", "-p", "no:cacheprovider")
    assert result.ret == 0
    lines = result.stdout.lines
    start = next(i for i, line in enumerate(lines) if "evalkit summary" in line)
    return lines[start + 1 :]


def table_rows(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith(("┃", "│", "┏", "└"))]


def test_without_a_terminal_or_columns_a_long_scenario_id_stays_on_one_row(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.suite(WIDE_SUITE)
    lines = summary_lines(project, monkeypatch, None)
    row = next(line for line in lines if LONG_ID in line)  # whole: not folded at 80 columns
    assert len(row) > 80 and "PASS" in row
    assert max(len(line) for line in table_rows(lines)) <= CI_WIDTH


def test_columns_sets_the_width_of_a_ci_log(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    project.suite(WIDE_SUITE)
    wide = summary_lines(project, monkeypatch, "160")
    assert any(LONG_ID in line for line in wide)
    narrow = summary_lines(project, monkeypatch, "90")
    assert max(len(line) for line in table_rows(narrow)) <= 90
    assert not any(LONG_ID in line for line in narrow)  # folded to fit the 90 columns asked for
