"""Load-time checks that need the suite's resolved rubrics: gate.criterion_thresholds keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.spec import SpecError, load_suite

RUBRIC = (
    "id: support.tone\nversion: 1\ncriteria:\n"
    "  - {id: tone, question: 'Courteous?', scale: {min: 1, max: 5}}\n"
    "  - {id: resolved, question: 'Resolved?'}\n"
)
OTHER = "id: other\nversion: 1\ncriteria: [{id: brief, question: 'Brief?'}]\n"


def suite(tmp_path: Path, thresholds: str, scenario_rubrics: str = "") -> Path:
    (tmp_path / "rubrics").mkdir(exist_ok=True)
    (tmp_path / "rubrics" / "tone.yaml").write_text(RUBRIC)
    (tmp_path / "rubrics" / "other.yaml").write_text(OTHER)
    path = tmp_path / "s.yaml"
    path.write_text(
        "suite: s\nagent: pkg.mod:factory\nrubrics: [support.tone]\n"
        "gate:\n  scenario_pass_rate: 0.8\n"
        f"  criterion_thresholds: {thresholds}\n"
        "scenarios:\n"
        "  - {id: a, goal: g, checks: [{tool_called: {name: refund_order}, name: refunded}]}\n"
        f"  - {{id: b, goal: g{scenario_rubrics}}}\n"
    )
    return path


@pytest.mark.parametrize(
    "keys",
    [
        "{tone: 0.5}",
        "{support.tone.tone: 0.5, resolved: 0.9}",
        "{refunded: 1.0, checks.refunded: 1.0}",  # a scenario check, by its label
        "{brief: 0.5, other.brief: 0.5}",  # a rubric only one scenario uses
    ],
)
def test_known_criterion_keys_load(tmp_path: Path, keys: str) -> None:
    loaded = load_suite(suite(tmp_path, keys, ", rubrics: [other]"), root=tmp_path)
    assert loaded.suite.gate.criterion_thresholds


def test_unknown_criterion_key_is_a_located_spec_error(tmp_path: Path) -> None:
    path = suite(tmp_path, "{tone: 0.5, tonee: 0.5, other.brief: 0.5}")  # `other` is not used by this suite
    with pytest.raises(SpecError) as info:
        load_suite(path, root=tmp_path)
    lines = str(info.value).splitlines()
    assert len(lines) == 2 and all(line.startswith(f"{path}:6:") for line in lines)
    tonee = next(line for line in lines if "'tonee'" in line)
    assert ": gate.criterion_thresholds.tonee: unknown criterion 'tonee' (did you mean 'tone'?" in tonee
    assert "support.tone: tone, resolved" in tonee and "checks: refunded" in tonee
    assert any(": gate.criterion_thresholds.other.brief: unknown criterion 'other.brief'" in line for line in lines)
