"""Item 7: a user's regex can neither hang a run nor fail late for bad syntax.

`not_regex: "(a+)+$"` against a 31-character reply backtracked for minutes with Python's `re`.
Patterns now run with a hard time limit: a check that exceeds it is invalid with that reason and
the other checks (and the run) go on. A pattern that does not compile is a file:line load error.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from evalkit.conversation.transcript import TerminationReason, Transcript, TranscriptMessage, TranscriptMeta
from evalkit.judging.checks import run_checks
from evalkit.spec.checks import Check
from evalkit.spec.problems import SpecError
from evalkit.spec.rubrics import load_rubric
from evalkit.spec.suites import load_suite

# Run in a child so the old behaviour (an endless match) fails the test instead of hanging the suite.
CHILD = textwrap.dedent(
    """
    import json, sys
    from evalkit.conversation.transcript import TerminationReason, Transcript, TranscriptMessage, TranscriptMeta
    from evalkit.judging.checks import evaluate_check
    from evalkit.spec.checks import Check
    pattern, reply = sys.argv[1], sys.argv[2]
    messages = [TranscriptMessage(role="user", content="hi"), TranscriptMessage(role="assistant", content=reply)]
    t = Transcript(meta=TranscriptMeta(scenario_id="s"), termination=TerminationReason.user_stop, messages=messages)
    finding = evaluate_check(Check.model_validate({"not_regex": pattern}), t)
    print(json.dumps({"passed": finding.passed, "reasoning": finding.reasoning}))
    """
)


def _evaluate_in_child(pattern: str, reply: str) -> dict[str, object]:
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, pattern, reply], capture_output=True, text=True, timeout=60, check=True
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"/{pattern}/ against {len(reply)} characters did not finish: the run would hang")
    return json.loads(done.stdout)


def test_the_reported_pattern_finishes_with_a_result() -> None:
    result = _evaluate_in_child("(a+)+$", "a" * 30 + "!")
    assert result["passed"] is True  # no match anywhere: the not_regex check passes


def test_a_pattern_past_the_time_limit_is_invalid_with_that_reason() -> None:
    result = _evaluate_in_child("(a|aa)+$", "a" * 64 + "!")
    assert result["passed"] is None
    assert "time limit" in str(result["reasoning"])


def _transcript(reply: str) -> Transcript:
    messages = [TranscriptMessage(role="user", content="hi"), TranscriptMessage(role="assistant", content=reply)]
    return Transcript(meta=TranscriptMeta(scenario_id="s"), messages=messages, termination=TerminationReason.user_stop)


def test_the_other_checks_still_run_after_one_times_out() -> None:
    checks = [
        Check.model_validate({"not_regex": "(a|aa)+$"}),
        Check.model_validate({"regex": r"a{10}"}),
        Check.model_validate({"not_contains": "refund"}),
    ]
    scores = asyncio.run(run_checks(_transcript("a" * 64 + "!"), checks, hub=None))
    assert [s.outcome.value for s in scores] == ["invalid", "pass", "pass"]
    assert "time limit" in (scores[0].invalid_reason or "")


RUBRIC = """\
id: demo.patterns
version: 1
criteria:
  - id: ok
    question: Fine?
  - id: no_cards
    check: {regex: "(unclosed"}
"""
SUITE = """\
suite: patterns
agent: evalkit.demo.support_agent:make_agent
scenarios:
  - id: a
    goal: g
    checks:
      - not_regex: "[a-"
      - contains: "(plain text is fine)"
"""


def test_a_pattern_that_does_not_compile_is_a_located_load_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    rubric, suite = tmp_path / "rubric.yaml", tmp_path / "suite.yaml"
    rubric.write_text(RUBRIC)
    suite.write_text(SUITE)
    with pytest.raises(SpecError) as info:
        load_rubric(rubric)
    [problem] = info.value.problems
    assert (problem.line, problem.key_path) == (7, "criteria[1].check.regex")
    assert "invalid regular expression" in problem.message and "position" in problem.message
    with pytest.raises(SpecError) as info:
        load_suite(suite, root=tmp_path)
    assert [(p.line, p.key_path) for p in info.value.problems] == [(7, "scenarios[0].checks[0].not_regex")]
