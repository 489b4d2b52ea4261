"""Load-time warnings: valid files that are probably not what the author meant (shown, never fatal)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from evalkit.cli import main
from evalkit.spec import load_rubric, load_suite

ROOT = Path(__file__).resolve().parents[2]


def rubric_text(judge: str) -> str:
    return f"id: r\nversion: 1\n# the judge\njudge: {judge}\ncriteria: [{{id: ok, question: Fine}}]\n"


@pytest.mark.parametrize(
    ("judge", "warns"),
    [
        ("{model: openai:j, samples: 3, temperature: 0}", True),
        ("{model: openai:j, samples: 2}", True),  # temperature defaults to 0
        ("{model: openai:j, samples: 3, temperature: 0.7}", False),
        ("{model: openai:j, samples: 1, temperature: 0}", False),
        ("{model: openai:j}", False),
    ],
)
def test_samples_at_temperature_zero_warn(tmp_path: Path, judge: str, warns: bool) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(rubric_text(judge))
    resolved = load_rubric(path)
    if not warns:
        assert resolved.warnings == ()
        return
    [warning] = resolved.warnings
    assert (warning.path, warning.line, warning.key_path) == (str(path), 4, "judge.samples")
    assert warning.message.startswith("warning: ") and "temperature 0" in warning.message
    assert "cost" in warning.message and "agreement" in warning.message


def test_a_suite_carries_its_own_and_its_rubrics_warnings(tmp_path: Path) -> None:
    (tmp_path / "rubrics").mkdir()
    (tmp_path / "rubrics" / "r.yaml").write_text(rubric_text("{model: openai:j, samples: 3}"))
    (tmp_path / "rubrics" / "unused.yaml").write_text(rubric_text("{samples: 3}").replace("id: r", "id: unused"))
    suite = tmp_path / "s.yaml"
    suite.write_text(
        "suite: s\nagent: pkg.mod:factory\njudge: {model: openai:j, samples: 5}\nrubrics: [r]\n"
        "scenarios: [{id: a, goal: g}]\n"
    )
    loaded = load_suite(suite, root=tmp_path)
    assert [(Path(w.path).name, w.line, w.key_path) for w in loaded.warnings] == [
        ("r.yaml", 4, "judge.samples"),
        ("s.yaml", 3, "judge.samples"),
    ]


def test_validate_prints_warnings_and_still_exits_0(tmp_path: Path) -> None:
    (tmp_path / "rubrics").mkdir()
    path = tmp_path / "rubrics" / "r.yaml"
    path.write_text(rubric_text("{model: openai:j, samples: 3}"))
    result = CliRunner().invoke(main, ["validate", str(path), "--root", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"{path}:4:" in result.stdout and "judge.samples: warning: " in result.stdout
    assert "1 warning" in result.stderr


def test_the_demo_suite_loads_without_warnings() -> None:
    loaded = load_suite(ROOT / "evalkit" / "demo" / "project" / "suites" / "demo" / "support.yaml")
    assert loaded.warnings == []
    result = CliRunner().invoke(
        main,
        [
            "validate",
            str(ROOT / "evalkit" / "demo" / "project" / "suites" / "demo" / "support.yaml"),
            "--root",
            str(ROOT),
        ],
    )
    assert result.exit_code == 0 and result.stdout == ""
