"""#14 part 6: evalkit's simulator prompts carry no domain; every one of them is the suite's to override."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conv_helpers import ScriptedUser, scenario, spec

from evalkit.cli import main
from evalkit.conversation import run_session
from evalkit.conversation.simulator.prompt import render_prompt, template_paths
from evalkit.conversation.simulator.signals import end_tool
from evalkit.conversation.transcript import TerminationReason as R
from evalkit.llm.mock_rules import Rule
from evalkit.spec.models import SimulatorConfig
from evalkit.spec.problems import SpecError
from evalkit.spec.suites import load_suite

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_WORDS = ("customer", "support", "shop", "order")

SUITE = """\
suite: templated
agent: conv_agents:silent
simulator:
  model: openai:sim
{keys}
scenarios:
  - id: a
    goal: Book a table for two on Friday.
"""


def test_the_default_prompts_and_end_tool_name_no_domain() -> None:
    prompt = render_prompt(
        scenario(goal="Book a table for two.", known={}, unknown=[], persona=None), seed=1, min_turns=0, max_turns=4
    )
    rendered = " ".join([prompt.system, prompt.kickoff, prompt.no_reply, end_tool().description]).lower()
    assert [w for w in DOMAIN_WORDS if w in rendered] == []
    assert "role-playing a user" in rendered and "book a table for two." in rendered


def test_the_demo_brings_its_customer_wording_as_overrides() -> None:
    loaded = load_suite(ROOT / "evalkit" / "demo" / "project" / "suites" / "demo" / "support.yaml")
    paths = template_paths(loaded.suite.simulator, ROOT / "evalkit" / "demo" / "project" / "suites" / "demo")
    assert sorted(paths) == ["kickoff", "no_reply", "system"]
    prompt = render_prompt(loaded.scenarios[0], seed=1, min_turns=0, max_turns=8, templates=paths)
    assert "CUSTOMER who is chatting with a customer-support agent" in prompt.system
    assert prompt.kickoff.startswith("[The support chat is open") and "as the customer" in prompt.no_reply


@pytest.mark.asyncio
async def test_every_template_is_overridden_from_the_suite_folder(tmp_path: Path, fake_llm, hub_for) -> None:
    for name, text in {
        "sys.j2": "You are a diner. Goal: {{ goal }}",
        "kick.j2": "[Restaurant line open for {{ goal }}]",
        "quiet.j2": "[Silence on the line after {{ max_turns }} turns max]",
    }.items():
        (tmp_path / name).write_text(text)
    config = SimulatorConfig(
        model="openai:sim", template="sys.j2", kickoff_template="kick.j2", no_reply_template="quiet.j2"
    )
    seen: list[Any] = []
    user = ScriptedUser(["anyone there?"])

    def record(request: Any) -> Any:
        seen.append(request.messages)
        return user(request)

    fake_llm.add_rule(Rule(role="simulator", handler=record))
    session = spec("conv_agents:silent", template_dir=tmp_path, max_turns=3).model_copy(update={"simulator": config})
    await run_session(session, hub_for(fake_llm))
    system, kickoff, *rest = seen[0]
    assert system.content == f"You are a diner. Goal: {session.scenario.goal}"
    assert kickoff.content.startswith("[Restaurant line open for Get a refund")
    assert any(m.content == "[Silence on the line after 3 turns max]" for m in rest)  # the agent said nothing


@pytest.mark.asyncio
async def test_a_template_using_an_unknown_variable_fails_the_session_not_the_run(
    tmp_path: Path, fake_llm, hub_for
) -> None:
    (tmp_path / "kick.j2").write_text("[open: {{ channel }}]")
    config = SimulatorConfig(model="openai:sim", kickoff_template="kick.j2")
    session = spec("conv_agents:echo", template_dir=tmp_path, scenario=scenario(opening=None)).model_copy(
        update={"simulator": config}
    )
    transcript = await run_session(session, hub_for(fake_llm))
    assert transcript.termination == R.simulator_error
    assert "'channel' is undefined" in (transcript.termination_detail or "")
    assert not fake_llm.requests_for(role="simulator")  # sandboxed and strict: no call made with a broken prompt


@pytest.mark.parametrize(
    ("key", "file", "text", "expected"),
    [
        (
            "kickoff_template",
            "missing.j2",
            None,
            "suites/s.yaml:5:21: simulator.kickoff_template: simulator kickoff_template suites/missing.j2 not found",
        ),
        (
            "no_reply_template",
            "broken.j2",
            "line one\n{% if %}\n",
            "suites/s.yaml:5:22: simulator.no_reply_template: simulator no_reply_template 'broken.j2' line 2: jinja2 syntax",
        ),
        (
            "no_reply_template",
            "typo.j2",
            "[{{ gaol }}]",
            "suites/s.yaml:5:22: simulator.no_reply_template: simulator no_reply_template 'typo.j2' uses gaol, which",
        ),
    ],
)
def test_evalkit_validate_names_a_missing_or_broken_template_in_one_line(
    tmp_path: Path, key: str, file: str, text: str | None, expected: str
) -> None:
    (tmp_path / "suites").mkdir()
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "suites" / "ok.j2").write_text("{{ goal }}")
    if text is not None:
        (tmp_path / "suites" / file).write_text(text)
    (tmp_path / "suites" / "s.yaml").write_text(SUITE.format(keys=f"  {key}: {file}\n  template: ok.j2"))
    result = CliRunner().invoke(main, ["validate", "--root", str(tmp_path)])
    lines = [line.replace(f"{tmp_path}/", "") for line in result.output.splitlines() if ".yaml:" in line]
    assert result.exit_code != 0 and len(lines) == 1 and lines[0].startswith(expected), result.output


def test_a_template_outside_the_project_is_a_load_error_for_every_key(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / "suites").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'scratch'\n")
    (tmp_path / "outside.j2").write_text("secret")
    suite = project / "suites" / "s.yaml"
    suite.write_text(SUITE.format(keys="  kickoff_template: ../../outside.j2"))
    with pytest.raises(SpecError) as info:
        load_suite(suite, root=project)
    [problem] = info.value.problems
    assert (problem.line, problem.key_path) == (5, "simulator.kickoff_template")
    assert "simulator kickoff_template '../../outside.j2' is outside the project" in problem.message
