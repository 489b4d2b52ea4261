"""The broken corpus: every file fails with exactly these line-numbered problems, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from evalkit.cli import main
from evalkit.spec.survey import survey

ROOT = Path(__file__).resolve().parents[2]
BROKEN = ROOT / "tests" / "data" / "broken"

# file -> every problem it must produce, as "line:col: key.path: message"
EXPECTED: dict[str, list[str]] = {
    "comments_only.yaml": [
        "1:1: <document>: file is empty (expected a YAML mapping)",
    ],
    "deeply_nested.yaml": [
        "5:49: <document>: document is nested more than 40 levels deep (expected a flatter document)",
    ],
    "duplicate_keys.yaml": [
        "8:5: criteria[0].weight: duplicate key 'weight' (first set on line 7; expected each key once)",
    ],
    "empty.yaml": [
        "1:1: <document>: file is empty (expected a YAML mapping)",
    ],
    "multiple_documents.yaml": [
        "7:1: <document>: invalid YAML: more than one YAML document in the file (expected exactly one, no '---' separators)",
    ],
    "non_utf8.yaml": [
        "3:35: <document>: file is not valid UTF-8 (byte 0xe9; save the file as UTF-8)",
    ],
    "persona_missing_description.yaml": [
        "2:1: description: missing required key 'description' (expected a string)",
        "4:9: traits: got a string 'impatient' (expected a list of strings)",
    ],
    "python_tag.yaml": [
        "6:15: criteria[0].question: unsupported YAML tag '!!python/object/apply:os.system' (expected plain values, no tags)",
    ],
    "rubric_anchor_key_not_number.yaml": [
        "9:7: criteria[0].anchors.low: key 'low' is not allowed here (expected a whole number such as 1 or 5)",
    ],
    "rubric_anchor_outside_scale.yaml": [
        "11:7: criteria[0].anchors.7: anchor 7 is outside the scale (expected levels 1..5)",
    ],
    "rubric_bad_id.yaml": [
        "2:5: id: 'demo resolution!' is not a valid value (expected letters, digits, '_', '.' and '-' only)",
    ],
    "rubric_bad_indentation.yaml": [
        "7:4: <document>: invalid YAML: this line is indented differently from the lines above it (expected the same indentation as its siblings)",
    ],
    "rubric_check_two_kinds.yaml": [
        "8:7: criteria[0].check.contains: check has 2 kinds: not_regex, contains (expected exactly one kind per check; write separate checks)",
    ],
    "rubric_check_unknown_kind.yaml": [
        "7:7: criteria[0].check.tool_caled: unknown key 'tool_caled' (did you mean 'tool_called'?)",
    ],
    "rubric_duplicate_criterion_id.yaml": [
        "9:9: criteria[2].id: duplicate criterion id 'resolved' (first used by criteria[0]; expected unique ids)",
    ],
    "rubric_judge_samples_zero.yaml": [
        "4:46: judge.samples: 0 is too small (expected a number >= 1)",
    ],
    "rubric_missing_criteria.yaml": [
        "2:1: criteria: missing required key 'criteria' (expected a list of Criterion mappings (id, question, scale, anchors, ...))",
    ],
    "rubric_missing_id.yaml": [
        "2:1: id: missing required key 'id' (expected a string)",
    ],
    "rubric_missing_template.yaml": [
        "4:11: template: judge template tests/data/broken/templates/missing_judge.j2 is not found (expected a path relative to this rubric)",
    ],
    "rubric_name.v3.yaml": [
        "3:10: version: version 2 does not match the file name rubric_name.v3.yaml (expected version: 3)",
    ],
    "rubric_neither_question_nor_check.yaml": [
        "5:5: criteria[0]: criterion has neither 'question' nor 'check' (expected 'question' for an LLM-judged criterion or 'check' for a deterministic one)",
    ],
    "rubric_question_and_check.yaml": [
        "7:5: criteria[0].check: criterion has both 'question' and 'check' (expected exactly one: split it into two criteria)",
    ],
    "rubric_scale_min_above_max.yaml": [
        "7:18: criteria[0].scale.min: scale min 5 is not below max 1 (expected min < max)",
    ],
    "rubric_scale_not_binary.yaml": [
        "7:12: criteria[0].scale: a string 'likert' is not allowed (expected 'binary')",
    ],
    "rubric_threshold_above_one.yaml": [
        "4:12: threshold: 75 is too large (expected a number <= 1)",
    ],
    "rubric_unknown_key.yaml": [
        "6:5: criteria[0].qestion: unknown key 'qestion' (did you mean 'question'?)",
    ],
    "rubric_unknown_top_key.yaml": [
        "4:1: treshold: unknown key 'treshold' (did you mean 'threshold'?)",
    ],
    "rubric_version_wrong_type.yaml": [
        "3:10: version: got a string 'two' (expected an integer)",
    ],
    "rubric_weight_negative.yaml": [
        "9:13: criteria[1].weight: -1 is too small (expected a number > 0)",
    ],
    "rubric_weight_zero.yaml": [
        "7:13: criteria[0].weight: 0 is too small (expected a number > 0)",
    ],
    "suite_agent_bad_kind.yaml": [
        "6:3: agent.max_step: unknown key 'max_step' (did you mean 'max_steps'?)",
    ],
    "suite_agent_not_module_attr.yaml": [
        "3:8: agent: 'my_agent.make_agent' is not a valid value (expected 'module:attribute', e.g. my_agent:make_agent)",
    ],
    "suite_check_conflicting_counts.yaml": [
        "8:53: scenarios[0].checks[0].tool_called.max_count: 'count' and 'max_count' both set (expected either an exact count or a range)",
        "9:54: scenarios[0].checks[1].tool_called.min_count: min_count 3 is above max_count 1 (expected min_count <= max_count)",
        "10:17: scenarios[0].checks[2].budget: budget sets no limit (expected at least one of max_tokens, max_cost_usd, max_latency_s)",
    ],
    "suite_dangling_rubric.yaml": [
        "4:11: rubrics[0]: unknown rubric 'support.resolutoin' (did you mean 'support.resolution'?)",
    ],
    "suite_duplicate_scenario_id.yaml": [
        "9:9: scenarios[2].id: duplicate scenario id 'cancel-order' (first used on line 5; expected unique ids)",
    ],
    "suite_gate_out_of_range.yaml": [
        "5:23: gate.scenario_pass_rate: 1.5 is too large (expected a number <= 1)",
        "6:9: gate.mode: a string 'strict' is not allowed (expected 'pass_rate' or 'pass_hat_k')",
    ],
    "suite_many_problems.yaml": [
        "4:30: rubrics[1]: unknown rubric 'support.tone' (did you mean 'support.policy-tone'?)",
        "5:9: trials: 0 is too small (expected a number >= 1)",
        "8:14: scenarios[0].persona: unknown persona 'terse-custmer' (did you mean 'terse-customer'?)",
        "11:5: scenarios[0].chekcs: unknown key 'chekcs' (did you mean 'checks'?)",
        "13:9: scenarios[1].id: duplicate scenario id 'refund' (first used on line 7; expected unique ids)",
    ],
    "suite_min_turns_above_max.yaml": [
        "8:16: scenarios[0].min_turns: min_turns 6 is above max_turns 4 (expected min_turns <= max_turns)",
    ],
    "suite_missing_goal.yaml": [
        "5:5: scenarios[0].goal: missing required key 'goal' (expected a string)",
    ],
    "suite_rubric_ref_syntax.yaml": [
        "4:11: rubrics[0]: 'support.resolution@v2' is not a rubric reference (expected 'id' or 'id@version', e.g. support.resolution@2)",
    ],
    "suite_rubric_version_missing.yaml": [
        "6:5: rubrics[1]: rubric 'support.resolution' has no version 4 (available: 1, 2, 3; did you mean 'support.resolution@3'?)",
    ],
    "suite_scenarios_not_a_list.yaml": [
        "5:3: scenarios: got a mapping (expected a list of Scenario mappings (id, description, persona, goal, ...))",
    ],
    "suite_tool_called_wrong_type.yaml": [
        "8:22: scenarios[0].checks[0].tool_called: got a string 'refund_order' (expected a ToolCalledSpec mapping (name, args, count, min_count, ...))",
    ],
    "suite_trials_wrong_type.yaml": [
        "4:9: trials: got a string 'many' (expected an integer)",
    ],
    "suite_unknown_key.yaml": [
        "4:1: trails: unknown key 'trails' (did you mean 'trials'?)",
    ],
    "suite_unknown_persona.yaml": [
        "6:14: scenarios[0].persona: unknown persona 'angry-custmer' (did you mean 'angry-customer'?)",
    ],
    "tab_indentation.yaml": [
        "5:1: <document>: invalid YAML: a tab character (indent with spaces, not tabs)",
    ],
    "top_level_list.yaml": [
        "2:1: <document>: top level is a list (expected a mapping of keys)",
    ],
    "unquoted_colon.yaml": [
        "6:14: <document>: invalid YAML: unexpected ':' (quote a value that contains ': ', or check the indentation)",
    ],
    "yaml_bomb.yaml": [
        "9:8: f[0]: aliases expand the document by more than 100000 values or 1000000 characters (a 'YAML bomb'; expected aliases that reuse small parts)",
    ],
    # tests/reliability: hostile input (#13 items 5, 7, 9)
    "control_character.yaml": [
        '5:23: <document>: character ESC (U+001B) is not allowed in a YAML file (delete it, or inside double quotes write it as the escape "\\u001b")',
    ],
    "utf16_bom.yaml": [
        "1:1: <document>: file is UTF-16 (little-endian, detected by its byte order mark; expected UTF-8: save it as UTF-8)",
    ],
    "rubric_template_outside_project.yaml": [
        "3:11: template: judge template '/etc/passwd' is outside the project (expected a path relative to this rubric, inside its folder or the project's templates/ folder)",
    ],
    "rubric_check_bad_regex.yaml": [
        "5:24: criteria[0].check.not_regex: invalid regular expression: missing ) at position 11 (expected a Python regular expression)",
    ],
}


def _short(problem) -> str:
    return f"{problem.line}:{problem.col}: {problem.key_path or '<document>'}: {problem.message}"


def test_corpus_is_large_and_fully_covered() -> None:
    files = sorted(p.name for p in BROKEN.iterdir())
    assert len(files) >= 25
    assert files == sorted(EXPECTED), "every broken file needs an entry in EXPECTED (and vice versa)"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_loader_reports_exact_problems(name: str) -> None:
    result = survey([BROKEN / name], ROOT)
    assert [_short(p) for p in result.problems] == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_validate_command_prints_each_problem_and_exits_1(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    rel = os.path.join("tests", "data", "broken", name)
    result = CliRunner().invoke(main, ["validate", rel])
    assert result.exit_code == 1, result.output
    printed = [line for line in result.stdout.splitlines() if line]
    assert printed == [f"{rel}:{entry}" for entry in EXPECTED[name]]
    assert "Traceback" not in result.output


def test_validate_subprocess_whole_corpus_no_traceback() -> None:
    """The real console script, on all broken files at once: one line per problem, exit 1."""
    script = Path(sys.executable).with_name("evalkit")
    proc = subprocess.run(
        [str(script), "validate", "tests/data/broken"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    expected = sorted(f"tests/data/broken/{name}:{entry}" for name, entries in EXPECTED.items() for entry in entries)
    assert sorted(proc.stdout.splitlines()) == expected
