"""Item 8: YAML aliases cannot amplify a small file into gigabytes, and big plain files are not "bombs".

A 200 KB suite whose aliases repeated one long string passed validate and used 862 MB downstream
(every error message, fingerprint or JSON dump expands the alias again). What aliases add is now
budgeted while the file is parsed, before any object is built; the error names the alias's line.
A large alias-free file gets its own message (or loads, below the documented limit). Memory is
measured with tracemalloc, never with a clock.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest

from evalkit.spec.problems import Problem, SpecError
from evalkit.spec.yamlsource import MAX_ALIAS_CHARS, MAX_VALUES, Located, parse_yaml

HEAD = "suite: s\nagent: evalkit.demo.support_agent:make_agent\n"


def _peak_mb(fn: Callable[[], Any]) -> tuple[Any, float]:
    """(result or raised SpecError, peak traced memory in MB) of one call."""
    tracemalloc.start()
    try:
        try:
            result: Any = fn()
        except SpecError as err:
            result = err
        return result, tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def _only_problem(result: Any) -> Problem:
    assert isinstance(result, SpecError), f"expected a SpecError, got {type(result).__name__}"
    [problem] = result.problems
    return problem


def _text_at(text: str, problem: Problem) -> str:
    return text.splitlines()[problem.line - 1][problem.col - 1 :]


def test_one_long_string_aliased_thousands_of_times_is_stopped_at_an_alias() -> None:
    long = "x" * 100_000
    text = HEAD + f'scenarios:\n  - id: a\n    goal: &s "{long}"\n    tags: [' + ", ".join(["*s"] * 2000) + "]\n"
    result, peak = _peak_mb(lambda: parse_yaml(text.encode(), "big.yaml"))
    problem = _only_problem(result)
    assert "YAML bomb" in problem.message and "alias" in problem.message
    assert problem.line == 6 and _text_at(text, problem).startswith("*s")
    assert problem.key_path.startswith("scenarios[0].tags[")
    assert peak < 40, f"parsing a {len(text) // 1000} KB file peaked at {peak:.0f} MB"


def test_nested_list_aliases_are_stopped_at_the_alias_that_crosses_the_budget() -> None:
    lines = [HEAD + 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    text = "\n".join(lines) + "\nscenarios: *i\n"
    result, peak = _peak_mb(lambda: parse_yaml(text.encode(), "lol.yaml"))
    problem = _only_problem(result)
    assert "YAML bomb" in problem.message
    assert _text_at(text, problem).startswith("*")
    assert peak < 40


def test_aliases_that_add_little_still_load() -> None:
    base = "&base {persona: terse-customer, max_turns: 4, known: {order_id: '1234', email: a@example.com}}"
    scenarios = "".join(f"  - {{<<: *base, id: s{i}, goal: get refund {i}}}\n" for i in range(300))
    text = HEAD + f"defaults: {base}\nscenarios:\n" + scenarios
    located = parse_yaml(text.encode(), "reuse.yaml")
    assert isinstance(located, Located) and located.data["scenarios"][299]["known"]["order_id"] == "1234"


def _plain_suite(values: int) -> str:
    """An alias-free suite of realistic scenarios with about `values` values."""
    scenario = (
        "  - id: scenario-{i}\n"
        "    description: A customer wants help with order {i}; the agent must look it up and act within policy.\n"
        "    goal: Get a refund for order {i}, which arrived broken, without giving the home address.\n"
        '    known: {{order_id: "{i}", email: user{i}@example.com, item: blender}}\n'
        "    unknown: [home address]\n"
        "    checks:\n"
        '      - tool_called: {{name: refund_order, args: {{order_id: "{i}"}}}}\n'
    )
    per_scenario = 28
    return HEAD + "scenarios:\n" + "".join(scenario.format(i=i) for i in range(values // per_scenario))


def test_a_large_alias_free_file_is_not_called_a_bomb() -> None:
    text = _plain_suite(int(MAX_VALUES * 1.3))
    assert 1_500_000 < len(text) < 2_000_000  # the 1.9 MB, under the byte limit
    result, peak = _peak_mb(lambda: parse_yaml(text.encode(), "plain.yaml"))
    problem = _only_problem(result)
    assert "bomb" not in problem.message and "alias" not in problem.message
    assert f"more than {MAX_VALUES} values" in problem.message and "split" in problem.message
    assert peak < 40, f"rejecting a {len(text) // 1000} KB plain file peaked at {peak:.0f} MB"


def test_an_alias_free_file_below_the_value_limit_loads() -> None:
    text = _plain_suite(int(MAX_VALUES * 0.7))  # above the old 50,000-node "bomb" limit
    located = parse_yaml(text.encode(), "plain.yaml")
    assert len(located.data["scenarios"]) == int(MAX_VALUES * 0.7) // 28


def test_the_alias_budget_is_what_aliases_add_not_the_file_size() -> None:
    chunk = "y" * 10_000
    uses = MAX_ALIAS_CHARS // len(chunk)
    ok = HEAD + f'description: &d "{chunk}"\ntags: [' + ", ".join(["*d"] * (uses - 1)) + "]\n"
    assert isinstance(parse_yaml(ok.encode(), "ok.yaml"), Located)
    too_much = HEAD + f'description: &d "{chunk}"\ntags: [' + ", ".join(["*d"] * (uses + 1)) + "]\n"
    with pytest.raises(SpecError, match="YAML bomb"):
        parse_yaml(too_much.encode(), "bomb.yaml")


def test_a_recursive_alias_is_one_located_problem() -> None:
    text = HEAD + "tags: &t [a, *t]\n"
    problem = _only_problem(_peak_mb(lambda: parse_yaml(text.encode(), "rec.yaml"))[0])
    assert problem.line == 3 and _text_at(text, problem).startswith("*t")
