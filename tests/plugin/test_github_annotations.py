"""GitHub Actions: failing items annotate their suite's YAML line; the step summary lists failures first.

The expected lines are computed from the YAML text the test writes (never hard-coded), so moving a
scenario in the suite moves the annotation with it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from plugin_helpers import JUDGED_RUBRIC, Project, base_url_args, judge_reply

from evalkit.plugin.github import Annotation, escape_data, escape_property, shown_path, title_of
from evalkit.testing import FakeLLMServer

TIERED_AGENT = """
def make_agent(model=None):
    def agent(messages):
        text = messages[-1]["content"]
        return "Done: your order is refunded." if "refund" in text else "Hello! How can I help?"
    return agent
"""

SUITE = """
# a suite with a passing, a failing and an invalid scenario, and a gate that fails on the invalid rate
suite: judged
agent: {kind: factory, target: "tiered_agent:make_agent"}
agent_models: ["openai:llama3.1:8b"]
rubrics: [tiny.resolution@1]
trials: 2

gate: {scenario_pass_rate: 0.5, max_invalid_rate: 0.1}
scenarios:
  - id: passes
    goal: get a refund
    turns: [{user: "refund please"}]

  - goal: get a refund
    id: fails
    turns: [{user: "hello there"}]
  - id: broken-judge
    goal: get a refund
    turns: [{user: "invalid me"}]
"""

BROKEN_SUITE = """
suite: broken
agent: no_such_module:make_agent
trials: 1
scenarios:
  - id: never-runs
    goal: get a refund
    turns: [{user: "refund please"}]
"""

REASONING = "50% sure: the agent, greeted\r\nand never refunded"


def _line_of(path: Path, pattern: str) -> int:
    """1-based line of the first line matching `pattern` in the file as written."""
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if re.search(pattern, line))


def _scenario_line(path: Path, scenario_id: str) -> int:
    """The line of the `- ` list entry that holds `id: <scenario_id>` (which need not be its first key)."""
    lines = path.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if re.fullmatch(rf"\s*-?\s*id: {re.escape(scenario_id)}\s*", line))
    while not lines[at].lstrip().startswith("- "):
        at -= 1
    return at + 1


def _project(project: Project, server: FakeLLMServer) -> tuple[Path, Path]:
    project.write("rubrics/tiny/resolution.yaml", JUDGED_RUBRIC)
    project.write("tiered_agent.py", TIERED_AGENT)
    suite = project.suite(SUITE, "suites/judged.yaml")
    broken = project.suite(BROKEN_SUITE, "suites/broken.yaml")
    server.add_rule(role="judge", match="invalid me", text="this is not JSON")
    server.add_rule(role="judge", match="hello there", json=judge_reply(False, "How can I help?", REASONING))
    server.add_rule(role="judge", match="refund please", json=judge_reply(True))
    return suite, broken


def _commands(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("::")]


def message(command: str) -> str:
    """A workflow command's message: what follows `::level properties::`."""
    return command.split("::", 2)[2]


def _github_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, workspace: Path) -> Path:
    summary = tmp_path / "step_summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_WORKSPACE", str(workspace))
    return summary


ARGS = ("suites", "--evalkit-live", "--evalkit-no-preflight")


def test_failing_items_annotate_their_yaml_lines(
    project: Project, fake_llm: FakeLLMServer, monkeypatch: pytest.MonkeyPatch, tmp_path_factory
) -> None:
    suite, broken = _project(project, fake_llm)
    workspace = project.path.parent  # the checkout is above pytest's rootdir: paths are the checkout's
    summary = _github_env(monkeypatch, tmp_path_factory.mktemp("gh"), workspace)
    result = project.pytester.runpytest(*ARGS, *base_url_args(fake_llm))
    result.assert_outcomes(passed=1, failed=4, errors=1)  # fails, broken-judge (INVALID) and both gates fail
    shown, broken_shown = (f"{project.path.name}/suites/{p.name}" for p in (suite, broken))
    commands = _commands(result.stdout.str())

    def one(prefix: str) -> str:
        [line] = [c for c in commands if c.startswith(prefix)]
        return line

    fails = one(f"::error file={shown},line={_scenario_line(suite, 'fails')},title=fails [llama3.1%3A8b]::")
    assert "0/2" in message(fails) and not message(fails).startswith("fails")  # the title names the item
    # the item's whole account, one line: '%' and line breaks encoded; ':' and ',' stay (escaped in properties only)
    assert "%0A" in fails and "50%25 sure: the agent, greeted and never refunded" in fails
    invalid = one(
        f"::warning file={shown},line={_scenario_line(suite, 'broken-judge')},title=broken-judge [llama3.1%3A8b]::"
    )
    assert "INVALID" in message(invalid) and "unparseable judge reply" in invalid
    gate = one(f"::error file={shown},line={_line_of(suite, r'^gate:')},title=gate::")  # one tier: the item is [gate]
    assert "FAIL" in message(gate) and "invalid_rate" in gate
    error = one(f"::warning file={broken_shown},line={_scenario_line(broken, 'never-runs')},title=never-runs::")
    assert "never ran" in message(error) and "no_such_module" in error
    broken_gate = one(f"::error file={broken_shown},line={_line_of(broken, r'^suite:')},title=gate::")  # no gate: key
    assert "invalid_rate" in broken_gate
    assert len(commands) == 5  # one per failing item; the passing scenario is not annotated
    assert all("\n" not in c and "\r" not in c for c in commands)

    text = summary.read_text()
    verdicts = [m.group(1) for m in re.finditer(r"^\| \S+ (FAIL|INVALID|ERROR|PASS|INCONCLUSIVE) \|", text, re.M)]
    assert verdicts == ["FAIL", "FAIL", "FAIL", "INVALID", "ERROR", "PASS"], text  # failures first
    rows = [
        [cell.strip() for cell in row.split("|")[1:-1]]
        for row in text.splitlines()
        if re.match(r"^\| \S+ [A-Z]+ \|", row)
    ]
    assert [r[1:4] for r in rows] == [  # verdict, scenario, suite, tier
        ["**gate**", "broken", "default"],
        ["**gate**", "judged", "openai:llama3.1:8b"],
        ["`fails`", "judged", "openai:llama3.1:8b"],
        ["`broken-judge`", "judged", "openai:llama3.1:8b"],
        ["`never-runs`", "broken", "default"],
        ["`passes`", "judged", "openai:llama3.1:8b"],
    ]
    reasons = [r[-1] for r in rows]
    assert "invalid_rate: fail" in reasons[0] and reasons[2].startswith("0/2 valid trials passed")
    assert "unparseable judge reply" in reasons[3] and "No module named 'no_such_module'" in reasons[4]
    assert reasons[5] == ""  # a pass needs no reason


def test_item_location_is_the_scenario_line(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """Items carry their YAML position (0-based, as pytest's `location`), for IDEs and every report plugin."""
    project.write("rubrics/tiny/resolution.yaml", JUDGED_RUBRIC)
    project.write("tiered_agent.py", TIERED_AGENT)
    suite = project.suite(SUITE, "suites/judged.yaml")
    items, _ = project.pytester.inline_genitems("suites")
    where = {i.name: i.location for i in items}
    assert where["fails[llama3.1:8b]"] == (
        "suites/judged.yaml",
        _scenario_line(suite, "fails") - 1,
        "fails[llama3.1:8b]",
    )
    assert where["passes[llama3.1:8b]"][1] == _scenario_line(suite, "passes") - 1
    assert where["[gate]"][1] == _line_of(suite, r"^gate:") - 1
    path, line, _ = items[0].reportinfo()
    assert Path(path) == suite and line == _scenario_line(suite, "passes") - 1


def test_nothing_is_emitted_outside_github_actions(
    project: Project, fake_llm: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(project, fake_llm)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(project.path))  # set, but GITHUB_ACTIONS is not
    result = project.pytester.runpytest(*ARGS, *base_url_args(fake_llm))
    result.assert_outcomes(passed=1, failed=4, errors=1)
    assert _commands(result.stdout.str()) == []
    monkeypatch.setenv("GITHUB_ACTIONS", "false")
    result = project.pytester.runpytest(*ARGS, *base_url_args(fake_llm))
    assert _commands(result.stdout.str()) == []


def test_annotations_under_xdist_come_from_the_controller_once(
    project: Project, fake_llm: FakeLLMServer, monkeypatch: pytest.MonkeyPatch, tmp_path_factory
) -> None:
    suite, broken = _project(project, fake_llm)
    _github_env(monkeypatch, tmp_path_factory.mktemp("gh"), project.path)
    result = project.pytester.runpytest_subprocess(*ARGS, "-n", "2", *base_url_args(fake_llm))
    commands = _commands(result.stdout.str())
    assert sorted(c.split("::", 2)[1] for c in commands) == sorted(
        [
            f"error file=suites/judged.yaml,line={_scenario_line(suite, 'fails')},title=fails [llama3.1%3A8b]",
            f"warning file=suites/judged.yaml,line={_scenario_line(suite, 'broken-judge')},title=broken-judge [llama3.1%3A8b]",
            f"error file=suites/judged.yaml,line={_line_of(suite, r'^gate:')},title=gate",
            f"warning file=suites/broken.yaml,line={_scenario_line(broken, 'never-runs')},title=never-runs",
            f"error file=suites/broken.yaml,line={_line_of(broken, r'^suite:')},title=gate",
        ]
    )


def test_inconclusive_gate_under_warn_is_a_warning(
    project: Project, monkeypatch: pytest.MonkeyPatch, tmp_path_factory
) -> None:
    from plugin_helpers import TINY_SUITE

    suite = project.suite(
        TINY_SUITE.replace(
            "gate: {scenario_pass_rate: 0.5}",
            "gate: {scenario_pass_rate: 0.5, suite_mean_lower_ci: 0.3, inconclusive: warn}",
        )
    )
    _github_env(monkeypatch, tmp_path_factory.mktemp("gh"), project.path)
    result = project.pytester.runpytest("suites", "-p", "no:cacheprovider")
    commands = _commands(result.stdout.str())
    [gate] = [c for c in commands if c.startswith("::warning")]
    assert gate.startswith(
        f"::warning file=suites/tiny.yaml,line={_line_of(suite, r'^gate:')},title=gate::"
        "gate tiny[default]: INCONCLUSIVE%0A"
    )
    [bad] = [c for c in commands if c.startswith("::error")]
    assert bad.startswith(f"::error file=suites/tiny.yaml,line={_scenario_line(suite, 'bad')},title=bad::FAILED")


def test_workflow_command_escaping() -> None:
    """GitHub's toolkit rules: data escapes % CR LF; properties also ':' and ','."""
    assert escape_data("100%\r\ndone: a, b") == "100%25%0D%0Adone: a, b"
    assert escape_property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"
    command = Annotation("error", "suites/a,b.yaml", 7, "x [openai:m]", "50%: no\nrefund").command()
    assert command == "::error file=suites/a%2Cb.yaml,line=7,title=x [openai%3Am]::50%25: no%0Arefund"
    assert Annotation("warning", "s.yaml", None, "t", "m").command() == "::warning file=s.yaml,title=t::m"


def test_titles_and_paths(tmp_path: Path) -> None:
    assert title_of("refund[gpt-4.1]") == "refund [gpt-4.1]"
    assert title_of("refund") == "refund"
    assert title_of("[gate][gpt-4.1]") == "gate [gpt-4.1]" and title_of("[gate]") == "gate"
    root = tmp_path / "repo" / "evals"
    root.mkdir(parents=True)
    assert shown_path("suites/x.yaml", root, str(tmp_path / "repo")) == "evals/suites/x.yaml"
    assert shown_path("suites/x.yaml", root, None) == "suites/x.yaml"
    assert shown_path("suites/x.yaml", root, str(tmp_path / "elsewhere")) == "suites/x.yaml"


def test_annotations_keep_a_reason_under_tb_line(
    project: Project, fake_llm: FakeLLMServer, monkeypatch: pytest.MonkeyPatch, tmp_path_factory
) -> None:
    """`--tb=line` shortens pytest's failure text; an annotation still says why."""
    suite, _ = _project(project, fake_llm)
    _github_env(monkeypatch, tmp_path_factory.mktemp("gh"), project.path)
    result = project.pytester.runpytest(*ARGS, "--tb=line", *base_url_args(fake_llm))
    commands = _commands(result.stdout.str())
    assert len(commands) == 5 and all(message(c).strip() for c in commands)
    [fails] = [c for c in commands if f"line={_scenario_line(suite, 'fails')},title=fails" in c]
    assert "0/2" in message(fails)


def test_a_suite_that_does_not_load_is_annotated_per_problem(
    project: Project, monkeypatch: pytest.MonkeyPatch, tmp_path_factory
) -> None:
    project.write("tiered_agent.py", TIERED_AGENT)
    suite = project.suite(SUITE.replace("trials: 2", "trials: 0"), "suites/judged.yaml")  # and no rubric file
    _github_env(monkeypatch, tmp_path_factory.mktemp("gh"), project.path)
    result = project.pytester.runpytest("suites", "-p", "no:cacheprovider")
    assert result.ret != 0
    commands = sorted(_commands(result.stdout.str()))
    rubric_line, rubric_col = _line_of(suite, r"^rubrics:"), len("rubrics: [") + 1
    trials_line, trials_col = _line_of(suite, r"^trials:"), len("trials: ") + 1
    assert [c.split("::", 2)[1] for c in commands] == [  # every problem the loader found, where it found it
        f"error file=suites/judged.yaml,line={rubric_line},col={rubric_col},title=invalid suite",
        f"error file=suites/judged.yaml,line={trials_line},col={trials_col},title=invalid suite",
    ]
    assert message(commands[0]).startswith("rubrics[0]: unknown rubric 'tiny.resolution'")
    assert message(commands[1]).startswith("trials: ")
