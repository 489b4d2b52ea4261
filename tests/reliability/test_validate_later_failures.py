"""Item 11: `evalkit validate` catches what would otherwise fail only once a run starts.

A judge template that does not compile (or reads a variable the judge never passes, or includes a
file its loader cannot find), a check whose JSON Schema is not a schema, an offline rules file or a
simulator template that does not exist: each used to pass validate and then make every trial
invalid (or the run stop) later. Each is now one `file:line:col: key: message` line. Regexes are
compiled by the engine the run uses, so a pattern only that engine accepts is not an error.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from evalkit.cli import main
from evalkit.conversation.simulator.prompt import render_prompt as render_simulator_prompt
from evalkit.conversation.transcript import TerminationReason, Transcript, TranscriptMessage, TranscriptMeta
from evalkit.judging.render import TEMPLATE_DIR, RenderError, render_judge_prompt
from evalkit.spec.models import Persona, Rubric, Scenario
from evalkit.spec.validate_later import JUDGE, SIMULATOR_VARIABLES, Renderer, template_problems
from evalkit.spec.yamlsource import parse_yaml

RUBRIC = """\
id: demo.later
version: 1
template: {template}
criteria:
  - id: ok
    question: Fine?
  - id: shaped
    check: {{json_schema: {{schema: {schema}}}}}
"""
SUITE = """\
suite: later
agent: tiny_agent:agent
offline_rules: {rules}
simulator: {{model: "openai:sim", template: {sim_file}}}
rubrics: [demo.later]
defaults:
  checks:
    - json_schema: {{schema: {default_schema}}}
scenarios:
  - id: a
    goal: g
    checks:
      - regex: '{regex}'
      - json_schema: {{schema: {schema}}}
"""
GOOD_JUDGE = (
    "{% set system %}Judge {{ rubric.id }}{% endset %}{{ transcript }}{{ criteria }}{{ scenario }}{{ x | default('') }}"
)
GOOD_SIM = "{{ goal }} {{ persona }} {% if extra is defined %}{{ extra }}{% endif %}"
GOOD = {
    "template": "judge.j2",
    "schema": "{type: object}",
    "rules": "rules.yaml",
    "sim_file": "sim.j2",
    "default_schema": "{type: string}",
    "regex": r"\p{L}+",
}


def _project(
    tmp_path: Path,
    judge: str = GOOD_JUDGE,
    sim: str = GOOD_SIM,
    rules_text: str = "- {match: hi, text: hello}\n",
    **fields: str,
) -> Path:
    values = {**GOOD, **fields}
    (tmp_path / "pyproject.toml").write_text("")
    for folder in ("rubrics", "suites"):
        (tmp_path / folder).mkdir(exist_ok=True)
    (tmp_path / "rubrics" / "later.yaml").write_text(RUBRIC.format(**values))
    (tmp_path / "rubrics" / "judge.j2").write_text(judge)
    (tmp_path / "suites" / "later.yaml").write_text(SUITE.format(**values))
    (tmp_path / "suites" / "rules.yaml").write_text(rules_text)  # a plain list, as the rules loader allows
    (tmp_path / "suites" / "sim.j2").write_text(sim)
    return tmp_path


def _validate(root: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["validate", "--root", str(root)])
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    return result.exit_code, [line.replace(f"{root}/", "") for line in result.output.splitlines() if ".yaml:" in line]


def test_a_sound_project_is_still_valid(tmp_path: Path) -> None:
    """Guarded variables, `\\p{L}` (the run's regex engine has it), existing files: nothing to report."""
    code, lines = _validate(_project(tmp_path))
    assert (code, lines) == (0, [])


@pytest.mark.parametrize(
    ("judge", "expected"),
    [
        ("{{ transcript }\n{% if %}", "line 1: jinja2 syntax error"),
        ("ok\n{% for c in criteria %}{{ c.id }}", "line 2: jinja2 syntax error"),  # unclosed block
        ("{{ transcript | no_such_filter }}", "jinja2 syntax error: No filter named 'no_such_filter'"),
        ("{{ transcirpt }}", "uses transcirpt, which the judge does not provide"),
        ("{% include 'parts/header.j2' %}{{ transcript }}", "includes 'parts/header.j2', which is not found"),
    ],
)
def test_a_judge_template_that_would_fail_to_render_is_one_located_line(
    tmp_path: Path, judge: str, expected: str
) -> None:
    code, lines = _validate(_project(tmp_path, judge=judge))
    assert code == 1
    # validate names it once, although the suite that uses the rubric checks it too
    assert lines == [lines[0]] and lines[0].startswith("rubrics/later.yaml:3:11: template: judge template 'judge.j2'")
    assert expected in lines[0]


@pytest.mark.parametrize(
    ("field", "value", "where"),
    [
        ("schema", "{type: objekt}", ["rubrics/later.yaml:8:", "suites/later.yaml:14:"]),
        ("schema", "{properties: [a, b]}", ["rubrics/later.yaml:8:", "suites/later.yaml:14:"]),
        ("default_schema", "{required: yes}", ["suites/later.yaml:8:"]),
    ],
)
def test_a_check_schema_that_is_not_a_schema_is_located(
    tmp_path: Path, field: str, value: str, where: list[str]
) -> None:
    code, lines = _validate(_project(tmp_path, **{field: value}))
    assert code == 1 and len(lines) == len(where), lines
    for line, prefix in zip(sorted(lines), sorted(where), strict=True):
        assert line.startswith(prefix) and "json_schema.schema" in line and "not a valid JSON Schema" in line


@pytest.mark.parametrize(
    ("fields", "sim", "expected"),
    [
        (
            {"rules": "missing_rules.yaml", "rules_text": "rules: [{match: hi, text: hello}]\n"},
            GOOD_SIM,
            "suites/later.yaml:3:16: offline_rules: offline rules file suites/missing_rules.yaml not found",
        ),
        (
            {"sim_file": "nosuch.j2"},
            GOOD_SIM,
            "suites/later.yaml:4:44: simulator.template: simulator template suites/nosuch.j2 not found",
        ),
        ({}, "{{ goal }\n", "suites/later.yaml:4:44: simulator.template: simulator template 'sim.j2' line 1: jinja2"),
        (
            {},
            "{{ gaol }}",
            "suites/later.yaml:4:44: simulator.template: simulator template 'sim.j2' uses gaol, which the simulator does not",
        ),
        ({"regex": "(unclosed"}, GOOD_SIM, "suites/later.yaml:13:16: scenarios[0].checks[0].regex: invalid regular"),
    ],
)
def test_suite_files_templates_and_patterns_are_located(
    tmp_path: Path, fields: dict[str, str], sim: str, expected: str
) -> None:
    code, lines = _validate(_project(tmp_path, sim=sim, **fields))
    assert code == 1 and len(lines) == 1, lines
    assert lines[0].startswith(expected), lines


@pytest.mark.parametrize(
    ("rules_text", "expected"),
    [
        ("- {match: hi, text: hello}\n- {match: x, txet: y}\n", "suites/rules.yaml:2:1: rules[1].txet: "),
        ("- {match: '(', text: x}\n", "suites/rules.yaml:1:1: <document>: offline rules cannot be loaded: error: "),
    ],
)
def test_offline_rules_load_as_the_fake_server_loads_them(tmp_path: Path, rules_text: str, expected: str) -> None:
    code, lines = _validate(_project(tmp_path, rules_text=rules_text))
    assert code == 1 and len(lines) == 1, lines
    assert lines[0].startswith(expected), lines


def test_an_http_agent_body_template_is_compiled(tmp_path: Path) -> None:
    root = _project(tmp_path)
    suite = root / "suites" / "later.yaml"
    body = "agent:\n  kind: http\n  url: http://127.0.0.1:9/chat\n  body_template: '{\"q\": {{ last_user_mesage | tojson }}}'\n"
    suite.write_text(suite.read_text().replace("agent: tiny_agent:agent\n", body))
    code, lines = _validate(root)
    assert code == 1 and len(lines) == 1, lines
    assert lines[0].startswith("suites/later.yaml:5:18: agent.body_template: http agent body_template uses")
    assert "last_user_mesage" in lines[0]


# ---- the variable lists validate checks against are the ones the renderers really pass


def _transcript() -> Transcript:
    messages = [TranscriptMessage(role="user", content="hi"), TranscriptMessage(role="assistant", content="hello")]
    return Transcript(meta=TranscriptMeta(scenario_id="s"), messages=messages, termination=TerminationReason.user_stop)


def _problems(text: str, renderer: Renderer) -> list[str]:
    located = parse_yaml(b"template: t.j2\n", "r.yaml")
    return [p.message for p in template_problems(located, ("template",), text, "t.j2", renderer)]


def test_every_judge_variable_validate_allows_renders_and_another_does_not() -> None:
    rubric = Rubric.model_validate({"id": "r", "version": 1, "criteria": [{"id": "ok", "question": "Fine?"}]})
    scenario = Scenario(id="s", goal="g")
    uses_all = "".join(f"{{{{ {name} }}}}" for name in sorted(JUDGE.variables))
    assert _problems(uses_all, JUDGE) == []
    render_judge_prompt(_transcript(), rubric, rubric.criteria, uses_all, scenario)
    with pytest.raises(RenderError):
        render_judge_prompt(_transcript(), rubric, rubric.criteria, "{{ verdict_hint }}", scenario)
    assert _problems("{{ verdict_hint }}", JUDGE)
    for name in ("rubric.j2", "claims.j2"):
        assert _problems((TEMPLATE_DIR / "judge" / name).read_text(), JUDGE) == []


def test_every_simulator_variable_validate_allows_renders(tmp_path: Path) -> None:
    template = tmp_path / "sim.j2"
    template.write_text("".join(f"{{{{ {name} }}}}" for name in sorted(SIMULATOR_VARIABLES)))
    scenario = Scenario(id="s", goal="g", persona=Persona(id="p", description="d"))
    render_simulator_prompt(scenario, seed=1, min_turns=0, max_turns=3, template=template)
    renderer = Renderer("simulator template", SIMULATOR_VARIABLES, template.parent)
    builtin = (TEMPLATE_DIR / "simulator" / "system.j2").read_text()
    assert _problems(builtin, Renderer("simulator template", SIMULATOR_VARIABLES, TEMPLATE_DIR / "simulator")) == []
    assert _problems(template.read_text(), renderer) == []
