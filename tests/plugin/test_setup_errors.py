"""Setup errors are ERRORs, not quality failures: an agent that cannot be imported or built never reaches the
judge and is counted by the invalid/error gate; an unknown provider stops the run before any session."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from plugin_helpers import JUDGED_RUBRIC, Project, base_url_args, judge_reply, requests_mentioning

from evalkit.testing import FakeLLMServer

SUITE = """
suite: {name}
agent: {agent}
rubrics: [tiny.resolution@1]
trials: 2
gate: {{scenario_pass_rate: 0.5, max_invalid_rate: 0.2}}
scenarios:
  - id: {name}-scenario
    goal: get a refund
    turns: [{{user: "{text} refund please"}}]
"""

FACTORY = """
def make_agent(model=None):
    raise RuntimeError("no API key configured for the agent")

make_agent.evalkit_factory = True
"""


def _suite(project: Project, name: str, agent: str, text: str) -> None:
    project.suite(SUITE.format(name=name, agent=agent, text=text), f"suites/{name}.yaml")


def test_an_agent_that_never_ran_is_a_pytest_error_and_is_not_judged(project: Project, fake_llm: FakeLLMServer) -> None:
    project.write("rubrics/tiny/resolution.yaml", JUDGED_RUBRIC)
    project.write("broken_factory.py", FACTORY)
    _suite(project, "missing", "no_such_module:make_agent", "MISSING-MODULE")
    _suite(project, "raising", "broken_factory:make_agent", "RAISING-FACTORY")
    _suite(project, "working", "tiny_agent:agent", "WORKING-AGENT")
    fake_llm.add_rule(role="judge", json=judge_reply(True))
    result = project.pytester.runpytest(
        "suites", "--evalkit-live", "--junitxml=junit.xml", "-rA", "--evalkit-no-preflight", *base_url_args(fake_llm)
    )  # the preflight would stop it
    out = result.stdout.str()

    # the two broken agents are ERRORs (not FAILED); their gates fail on the error rate; the working suite passes
    result.assert_outcomes(errors=2, failed=2, passed=2)
    # the short summary gives the reason after the id, not the item's name again (issue #15 item 4)
    assert "ERROR suites/missing.yaml::missing-scenario - the agent never ran in" in out  # trimmed to 80 columns
    assert "ERROR suites/raising.yaml::raising-scenario - the agent never ran in" in out
    assert "missing-scenario ERROR (setup, not a quality failure): the agent never ran in 2 of 2 trials" in out
    assert "No module named 'no_such_module'" in out and "no API key configured for the agent" in out
    assert "FAILED suites/missing.yaml::missing-scenario" not in out
    assert "Traceback" not in out and "_multicall" not in out  # our message, not pytest's frames

    # the judge was asked about the working agent only
    assert requests_mentioning(fake_llm, "WORKING-AGENT") > 0 and fake_llm.requests_for(role="judge")
    assert requests_mentioning(fake_llm, "MISSING-MODULE") == 0
    assert requests_mentioning(fake_llm, "RAISING-FACTORY") == 0

    # the invalid/error gate counts them
    assert "invalid_rate: FAIL - 2/2 trials invalid, 2 setup error(s) (100%)" in out
    assert "FAILED suites/missing.yaml::[gate]" in out and "FAILED suites/raising.yaml::[gate]" in out
    assert "PASSED suites/working.yaml::[gate]" in out

    # summaries keep errors apart from invalid trials
    assert "setup errors (the agent never ran; not counted either way):" in out
    assert "invalid trials (" not in out
    assert "run verdict: FAIL (fails the build); scenarios: 1 pass, 2 error; gates: 1 pass, 2 fail" in out
    suite = ET.parse(project.path / "junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("errors") == "2" and suite.get("failures") == "2"


def test_an_unknown_provider_stops_the_run_before_any_session(project: Project, fake_llm: FakeLLMServer) -> None:
    rubric = JUDGED_RUBRIC.replace('"openai:judge-model"', '"opneai:judge-model"')
    project.write("rubrics/tiny/resolution.yaml", rubric)
    project.suite(
        SUITE.format(name="typo", agent="tiny_agent:agent", text="hi")
        .replace(
            "trials: 2", 'trials: 2\nagent_models: ["anthropic:claude-x"]\nsimulator: {model: "openia:gpt-4.1-mini"}'
        )
        .replace('turns: [{user: "hi refund please"}]', "opening: hi"),
        "suites/typo.yaml",
    )
    result = project.pytester.runpytest("suites", "--evalkit-live", *base_url_args(fake_llm))
    out = result.stdout.str()
    assert result.ret == 4  # a usage error found at collection (#14 preflight): nothing ran
    assert (
        "suites/typo.yaml:6:20: simulator.model: simulator model name 'openia:gpt-4.1-mini': "
        "unknown provider 'openia'; expected one of openai, anthropic, mock"
    ) in out
    assert "rubrics/tiny/resolution.yaml:3:16: judge.model: judge model name 'opneai:judge-model'" in out
    assert not fake_llm.requests and not project.run_dirs()


def test_an_unknown_provider_on_the_command_line_is_a_usage_error(project: Project, fake_llm: FakeLLMServer) -> None:
    project.suite()
    result = project.pytester.runpytest("suites", "--evalkit-judge-model=openai-gpt-4.1", "-p", "no:cacheprovider")
    assert result.ret == 4
    assert (
        "evalkit judge_model (--evalkit-judge-model or [tool.evalkit]): model name 'openai-gpt-4.1': "
        "expected 'provider:model'"
    ) in result.stderr.str()
    tiers = project.pytester.runpytest("suites", "--evalkit-agent-models=openai:a,oai:b", "-p", "no:cacheprovider")
    assert tiers.ret == 4 and "unknown provider 'oai'" in tiers.stderr.str()
    plain = project.pytester.runpytest(
        "suites", "--evalkit-agent-models=small,large", "--evalkit-live", "-p", "no:cacheprovider"
    )
    plain.assert_outcomes(passed=4, failed=2)  # tiers without a colon are the agent factory's business
    assert not fake_llm.requests


SDK_AGENT = """
import openai

def make_agent(model=None, base_url=None):
    client = openai.OpenAI(base_url=base_url, api_key="sk-fake", max_retries=0)

    def agent(messages):
        reply = client.chat.completions.create(model="gpt-x", messages=[{"role": "user", "content": messages[-1]["content"]}])
        return reply.choices[0].message.content

    return agent

make_agent.evalkit_factory = True
"""


def test_the_agents_sdk_getting_a_broken_body_is_invalid_not_a_failure(
    project: Project, fake_llm: FakeLLMServer
) -> None:
    project.write("sdk_agent.py", SDK_AGENT)
    project.suite(f"""
suite: sdk
agent: sdk_agent:make_agent
agent_params: {{base_url: "{fake_llm.openai_base_url}"}}
trials: 1
scenarios:
  - id: refund
    goal: get a refund
    turns: [{{user: "refund please"}}, {{user: "and the receipt?"}}]
    checks: [{{contains: "refunded"}}]
""")
    fake_llm.add_rule(role="agent", text="Your order is refunded.")
    fake_llm.inject("latency", role="agent")  # the first turn is answered normally ...
    fake_llm.inject("malformed_json", role="agent")  # ... the second gets a truncated 200 body
    result = project.pytester.runpytest("suites", "--evalkit-live", "-p", "no:cacheprovider")
    out = result.stdout.str()
    assert "refund INVALID (not a quality failure)" in out and "refund FAILED" not in out
    [trial] = project.trials()
    assert trial["outcome"] == "invalid" and trial["termination"] == "infrastructure_error"
    assert "JSONDecodeError" in trial["invalid_reason"]
    assert "invalid_rate: FAIL - 1/1 trials invalid (100%)" in out
    assert len(fake_llm.requests_for(role="agent")) == 2


def test_run_scenario_refuses_an_unknown_provider_before_any_session(project: Project, fake_llm: FakeLLMServer) -> None:
    import pytest

    import evalkit
    from evalkit.run import RunConfig

    path = project.suite(
        SUITE.format(name="api", agent="tiny_agent:agent", text="hi")
        .replace("trials: 2", 'trials: 2\nsimulator: {model: "opanai:sim"}')
        .replace('turns: [{user: "hi refund please"}]', "opening: hi"),
        "suites/api.yaml",
    )
    project.write("rubrics/tiny/resolution.yaml", JUDGED_RUBRIC)
    config = RunConfig(report_dir=project.path / "reports", base_urls={"openai": fake_llm.openai_base_url})
    with pytest.raises(ValueError, match=r"api\.yaml:5:\d+: simulator\.model: simulator model name 'opanai:sim'"):
        evalkit.run_scenario("api-scenario", suite=path, config=config)
    assert not fake_llm.requests and not project.run_dirs()
