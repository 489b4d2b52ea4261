"""Item 5: a rubric's `template:` resolves only inside the project; anything else is a file:line load error.

The template text is sent to the judge model, so `template: /etc/passwd` or `../../secret` used to
ship that file's contents to a provider. Both `evalkit validate` and suite loading must refuse it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from evalkit.cli import main
from evalkit.spec.problems import SpecError
from evalkit.spec.rubrics import load_rubric

RUBRIC = """\
id: demo.templated
version: 1
template: {template}
criteria:
  - id: ok
    question: Was it fine?
"""
SECRET = "TOP-SECRET-CONTENTS"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "proj").mkdir()
    root = tmp_path / "proj"
    (root / "pyproject.toml").write_text("[project]\nname = 'scratch'\n")
    (root / "rubrics" / "demo").mkdir(parents=True)
    (root / "rubrics" / "demo" / "judge.j2").write_text("mine {{ transcript }}")
    (root / "rubrics" / "demo" / "parts").mkdir()
    (root / "rubrics" / "demo" / "parts" / "judge.j2").write_text("nested {{ transcript }}")
    (root / "templates").mkdir()
    (root / "templates" / "shared.j2").write_text("shared {{ transcript }}")
    (tmp_path / "secret.txt").write_text(SECRET)  # outside the project
    (root / "notes.txt").write_text(SECRET)  # inside the project, but not a templates folder
    return root


def _write(project: Path, template: str) -> Path:
    path = project / "rubrics" / "demo" / "templated.yaml"
    path.write_text(RUBRIC.format(template=template))
    return path


@pytest.mark.parametrize(
    "template",
    [
        "/etc/passwd",
        "'{secret}'",  # absolute path to an existing file
        "../../../secret.txt",
        "../../notes.txt",
        "parts/../../../../secret.txt",
        "link.j2",  # a symlink in the rubric's folder pointing outside
    ],
)
def test_template_outside_the_project_is_a_located_load_error(project: Path, template: str) -> None:
    (project / "rubrics" / "demo" / "link.j2").symlink_to(project.parent / "secret.txt")
    path = _write(project, template.replace("{secret}", str(project.parent / "secret.txt")))
    with pytest.raises(SpecError) as info:
        load_rubric(path)
    [problem] = info.value.problems
    assert (problem.line, problem.col, problem.key_path) == (3, 11, "template")
    assert "outside" in problem.message and "templates/" in problem.message
    assert SECRET not in str(info.value)


def test_validate_reports_the_escape_with_file_and_line(project: Path) -> None:
    path = _write(project, "../../../secret.txt")
    result = CliRunner().invoke(main, ["validate", "--root", str(project), str(path)])
    assert result.exit_code == 1
    assert "templated.yaml:3:11: template: judge template" in result.output and "outside" in result.output
    assert SECRET not in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("template", "expected"),
    [("judge.j2", "mine"), ("parts/judge.j2", "nested"), ("../../templates/shared.j2", "shared")],
)
def test_templates_inside_the_rubric_folder_or_project_templates_still_load(
    project: Path, template: str, expected: str
) -> None:
    resolved = load_rubric(_write(project, template))
    assert resolved.template_text is not None and resolved.template_text.startswith(expected)


SUITE = """\
suite: templated
agent: evalkit.demo.support_agent:make_agent
simulator: {{model: "openai:sim", template: {template}}}
scenarios:
  - id: a
    goal: g
"""


@pytest.mark.parametrize("template", ["/etc/passwd", "../../secret.txt"])
def test_a_simulator_template_outside_the_project_is_a_located_load_error(project: Path, template: str) -> None:
    """The simulator template goes to the simulator model: the same leak, the same rule."""
    from evalkit.spec.suites import load_suite

    (project / "suites").mkdir()
    path = project / "suites" / "templated.yaml"
    path.write_text(SUITE.format(template=template))
    with pytest.raises(SpecError) as info:
        load_suite(path, root=project)
    [problem] = info.value.problems
    assert (problem.line, problem.key_path) == (3, "simulator.template") and "outside the project" in problem.message


def test_a_simulator_template_in_the_suite_folder_loads(project: Path) -> None:
    from evalkit.spec.suites import load_suite

    (project / "suites").mkdir()
    (project / "suites" / "sim.j2").write_text("You are {{ persona }}")
    path = project / "suites" / "templated.yaml"
    path.write_text(SUITE.format(template="sim.j2"))
    assert load_suite(path, root=project).suite.simulator.template == "sim.j2"
