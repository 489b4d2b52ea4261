"""JSON Schemas (committed, printed, used by editors) and the validate command on the examples."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from evalkit.cli import main
from evalkit.spec.schema import KINDS, schema_filename, schema_text
from evalkit.spec.survey import survey
from evalkit.spec.yamlsource import read_yaml

ROOT = Path(__file__).resolve().parents[2]
BROKEN = ROOT / "tests" / "data" / "broken"
EXAMPLES = {
    "rubric": sorted((ROOT / "rubrics").rglob("*.yaml")),
    "persona": sorted((ROOT / "personas").rglob("*.yaml")),
    "suite": [ROOT / "evalkit" / "demo" / "project" / "suites" / "demo" / "support.yaml"],
}
# Broken files whose mistake a JSON Schema can express (the rest need evalkit's own rules).
SCHEMA_BREAKING = {
    "rubric": [
        "rubric_version_wrong_type.yaml",
        "rubric_unknown_key.yaml",
        "rubric_unknown_top_key.yaml",
        "rubric_missing_criteria.yaml",
        "rubric_missing_id.yaml",
        "rubric_anchor_key_not_number.yaml",
        "rubric_weight_zero.yaml",
        "rubric_weight_negative.yaml",
        "rubric_check_unknown_kind.yaml",
        "rubric_scale_not_binary.yaml",
        "rubric_threshold_above_one.yaml",
        "rubric_bad_id.yaml",
        "rubric_judge_samples_zero.yaml",
    ],
    "suite": [
        "suite_unknown_key.yaml",
        "suite_missing_goal.yaml",
        "suite_trials_wrong_type.yaml",
        "suite_scenarios_not_a_list.yaml",
        "suite_agent_bad_kind.yaml",
        "suite_agent_not_module_attr.yaml",
        "suite_tool_called_wrong_type.yaml",
        "suite_gate_out_of_range.yaml",
        "suite_many_problems.yaml",
    ],
    "persona": ["persona_missing_description.yaml"],
}


def _cli_schema(kind: str) -> dict:
    result = CliRunner().invoke(main, ["schema", kind])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("kind", KINDS)
def test_committed_schemas_match_the_models(kind: str) -> None:
    committed = ROOT / "schemas" / schema_filename(kind)
    assert committed.read_text() == schema_text(kind), "schemas drifted: run `evalkit schema --write schemas`"


@pytest.mark.parametrize("kind", list(EXAMPLES))  # YAML kinds; labels (JSONL): tests/spec/test_labels.py
def test_printed_schema_accepts_examples_and_rejects_schema_breaking_files(kind: str) -> None:
    validator = jsonschema.Draft202012Validator(_cli_schema(kind))
    jsonschema.Draft202012Validator.check_schema(validator.schema)
    for file in EXAMPLES[kind]:
        errors = list(validator.iter_errors(read_yaml(file).data))
        assert not errors, f"{file}: {errors[0].message}"
    for name in SCHEMA_BREAKING[kind]:
        assert list(validator.iter_errors(read_yaml(BROKEN / name).data)), f"{name} passes the {kind} schema"


def test_example_files_point_editors_at_the_right_schema() -> None:
    for kind, files in EXAMPLES.items():
        for file in files:
            first = file.read_text().splitlines()[0]
            match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
            assert match, f"{file} must start with the schema comment"
            target = (file.parent / match[1]).resolve()
            assert target == ROOT / "schemas" / schema_filename(kind), file


def test_schema_write_regenerates_files(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["schema", "--write", str(tmp_path)])
    assert result.exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(schema_filename(k) for k in KINDS)
    assert CliRunner().invoke(main, ["schema"]).exit_code == 2  # no kind and no --write: usage error


def test_validate_defaults_to_project_content(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    # only the warning of the superseded resolution@2 (3 samples at temperature 0), kept for comparability
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["rubrics/support/resolution.v2.yaml"]
    assert "judge.samples: warning: " in result.stdout
    checked = survey([ROOT / "suites", ROOT / "rubrics", ROOT / "personas"], ROOT).files
    assert len(checked) >= 9


def test_validate_reports_an_internal_error_as_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(path: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("evalkit.spec.survey.load_persona", explode)
    result = CliRunner().invoke(main, ["validate", str(ROOT / "personas" / "angry-customer.yaml")])
    assert result.exit_code == 1
    assert result.stdout.strip().endswith("internal error while validating: RuntimeError: boom (please report this)")
    assert "Traceback" not in result.output


def test_unknown_kind_named_explicitly_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "notes.yaml").write_text("hello: world\n")
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "notes.yaml"), "--root", str(tmp_path)])
    assert result.exit_code == 1 and "cannot tell what kind of file this is" in result.stdout
    # ... but found inside a directory it is left alone (e.g. offline rules next to a suite)
    assert CliRunner().invoke(main, ["validate", str(tmp_path), "--root", str(tmp_path)]).exit_code == 0


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["validate", "--help"],
        ["schema", "--help"],
        ["rubrics", "--help"],
        ["rubrics", "lock", "--help"],
        ["rubrics", "check", "--help"],
        ["rubrics", "list", "--help"],
    ],
)
def test_every_command_has_help(args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0 and "Usage:" in result.output


def test_kind_of_uses_comment_then_nearest_directory_then_content(tmp_path: Path) -> None:
    from evalkit.spec.survey import kind_of

    suites = tmp_path / "personas" / "proj" / "suites"
    suites.mkdir(parents=True)
    (suites / "s.yaml").write_text("suite: s\n")
    (suites / "rules.yaml").write_text("rules: []\n")
    (tmp_path / "r.yaml").write_text("id: r\ncriteria: []\n")
    (tmp_path / "p.yaml").write_text("# yaml-language-server: $schema=../schemas/persona.schema.json\nid: p\n")
    assert [kind_of(suites / "s.yaml"), kind_of(suites / "rules.yaml")] == ["suite", None]
    assert [kind_of(tmp_path / "r.yaml"), kind_of(tmp_path / "p.yaml")] == ["rubric", "persona"]
    assert kind_of(ROOT / "rubrics" / "support" / "honesty.v1.yaml") == "rubric"
