"""Safe YAML reading: positions for every key, plain data only, limits that stop abuse."""

from __future__ import annotations

import pytest

from evalkit.spec.problems import SpecError
from evalkit.spec.yamlsource import MAX_BYTES, MAX_DEPTH, parse_yaml


def _problems(text: str | bytes) -> list[str]:
    raw = text.encode() if isinstance(text, str) else text
    with pytest.raises(SpecError) as info:
        parse_yaml(raw, "f.yaml")
    return [str(p) for p in info.value.problems]


def test_positions_are_recorded_for_keys_and_values() -> None:
    located = parse_yaml(b"a: 1\nlist:\n  - x: 2\n    y: [3, 4]\n", "f.yaml")
    assert located.data == {"a": 1, "list": [{"x": 2, "y": [3, 4]}]}
    assert located.keys[("list", 0, "y")] == (4, 5)
    assert located.values[("list", 0, "y", 1)] == (4, 12)
    assert located.where(("list", 0, "missing")) == (3, 5)  # falls back to the enclosing mapping


def test_yaml_11_booleans_and_dates_stay_strings() -> None:
    """`on: agent` must not become {True: 'agent'}; `no`/`yes`/dates stay as written."""
    located = parse_yaml(b"on: agent\nanswer: no\nok: yes\nwhen: 2024-01-01\nflag: true\nn: 1.5\n", "f.yaml")
    assert located.data == {"on": "agent", "answer": "no", "ok": "yes", "when": "2024-01-01", "flag": True, "n": 1.5}


def test_integer_like_keys_stay_strings() -> None:
    assert parse_yaml(b"anchors: {1: low, 5: high}\n", "f.yaml").data == {"anchors": {"1": "low", "5": "high"}}


def test_merge_keys_and_aliases_work_for_reasonable_reuse() -> None:
    text = b"base: &b {max_turns: 4, tags: [x]}\nscenario:\n  <<: *b\n  max_turns: 6\n"
    data = parse_yaml(text, "f.yaml").data
    assert data["scenario"] == {"max_turns": 6, "tags": ["x"]}


def test_duplicate_keys_are_reported_with_both_lines() -> None:
    assert _problems("a: 1\nb: 2\na: 3\n") == [
        "f.yaml:3:1: a: duplicate key 'a' (first set on line 1; expected each key once)"
    ]


def test_every_duplicate_and_tag_problem_in_one_pass() -> None:
    problems = _problems("a: 1\na: 2\nb: !!python/name:os.system x\nc: 1\nc: 2\n")
    assert [p.split(": ")[0] for p in problems] == ["f.yaml:2:1", "f.yaml:3:4", "f.yaml:5:1"]


def test_alias_bomb_stops_with_one_problem() -> None:
    lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for prev, name in zip("abcdef", "bcdefg", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    problems = _problems("\n".join(lines) + "\n")
    assert len(problems) == 1 and "YAML bomb" in problems[0]


def test_nesting_limit_is_checked_before_composing() -> None:
    deep = "[" * (MAX_DEPTH * 30) + "]" * (MAX_DEPTH * 30)  # would overflow a recursive composer
    problems = _problems(f"a: {deep}\n")
    assert problems == [
        f"f.yaml:1:{3 + MAX_DEPTH}: <document>: document is nested more than {MAX_DEPTH} levels deep (expected a flatter document)"
    ]


def test_size_limit() -> None:
    assert "expected at most" in _problems(b"a: " + b"x" * MAX_BYTES)[0]


def test_utf8_bom_is_accepted_and_bad_bytes_located() -> None:
    assert parse_yaml("\ufeffa: é\n".encode(), "f.yaml").data == {"a": "é"}
    assert _problems(b"a: 1\nb: \xff\n") == [
        "f.yaml:2:4: <document>: file is not valid UTF-8 (byte 0xff; save the file as UTF-8)"
    ]


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_documents(text: str) -> None:
    assert _problems(text)[0].endswith("file is empty (expected a YAML mapping)")


def test_scalar_top_level_is_rejected() -> None:
    assert _problems("just text\n") == ["f.yaml:1:1: <document>: top level is a string (expected a mapping of keys)"]


def test_did_you_mean() -> None:
    from evalkit.spec.messages import did_you_mean

    assert did_you_mean("qestion", {"question", "scale", "weight"}) == "question"
    assert did_you_mean("support.tone", {"support.policy-tone", "support.honesty"}) == "support.policy-tone"
    assert did_you_mean("x", {"max_turns", "goal"}) is None
    assert did_you_mean("zzzzzz", {"question"}) is None


def test_spec_error_pickles_with_its_problems() -> None:
    import pickle

    from evalkit.spec.problems import LocatedValueError, Problem

    err = SpecError([Problem("b.yaml", 2, 1, "x", "second"), Problem("a.yaml", 9, 3, "y", "first")])
    again = pickle.loads(pickle.dumps(err))
    assert again.problems == err.problems and str(again) == str(err)
    assert str(err).splitlines()[0] == "a.yaml:9:3: y: first"
    located = pickle.loads(pickle.dumps(LocatedValueError("m", ("a", 1), at_key=True)))
    assert (str(located), located.at, located.at_key) == ("m", ("a", 1), True)
