"""Item 9: one stray control character or a UTF-16/32 file is a one-line file:line:col error.

A NUL, ESC, BEL, DEL or U+FFFE in a suite gave a PyYAML traceback in pytest collection and
"internal error ... please report this" in `evalkit validate`; a UTF-16 suite was silently not
collected. Both paths are checked: the validate CLI and pytest collecting a suite file.
"""

from __future__ import annotations

import anthropic  # noqa: F401 - imported here once: pytester's inline runs drop modules first imported inside them
import openai  # noqa: F401
import pytest
from click.testing import CliRunner

from evalkit.cli import main
from evalkit.plugin.preload import preload_engine
from evalkit.spec.problems import SpecError
from evalkit.spec.yamlsource import parse_yaml

preload_engine()

SUITE = """suite: tiny
agent: tiny_agent:agent
scenarios:
  - id: good
    goal: get a refund{bad}
    turns: [{{user: "refund please"}}]
    checks: [{{contains: "refunded"}}]
"""
# character -> the name the message must give it
CONTROL = {"\x00": "NUL", "\x1b": "ESC", "\x07": "BEL", "\x7f": "DEL", "\ufffe": "U+FFFE", "\x9b": "U+009B"}
ENCODINGS = {
    "utf-16-le": ("UTF-16", b"\xff\xfe"),
    "utf-16-be": ("UTF-16", b"\xfe\xff"),
    "utf-32-le": ("UTF-32", b"\xff\xfe\x00\x00"),
    "utf-32-be": ("UTF-32", b"\x00\x00\xfe\xff"),
}


def _suite_with(char: str) -> bytes:
    return SUITE.format(bad=char).encode("utf-8")


@pytest.mark.parametrize("char", list(CONTROL))
def test_a_control_character_is_one_problem_at_its_line_and_column(char: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_yaml(_suite_with(char), "suites/s.yaml")
    [problem] = info.value.problems
    col = len("    goal: get a refund") + 1
    assert (problem.line, problem.col) == (5, col)
    assert CONTROL[char] in problem.message and "character" in problem.message
    assert "\n" not in str(problem)


@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_utf16_and_utf32_are_named_from_the_byte_order_mark(encoding: str) -> None:
    name, bom = ENCODINGS[encoding]
    with pytest.raises(SpecError) as info:
        parse_yaml(bom + SUITE.format(bad="").encode(encoding), "suites/s.yaml")
    [problem] = info.value.problems
    assert (problem.line, problem.col) == (1, 1)
    assert name in problem.message and "byte order mark" in problem.message and "UTF-8" in problem.message


@pytest.mark.parametrize("case", [*CONTROL, "utf-16-le", "utf-32-be"])
def test_validate_prints_one_located_line_not_an_internal_error(case: str, tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    path = tmp_path / "suites" / "s.yaml"
    path.parent.mkdir()
    if case in ENCODINGS:
        path.write_bytes(ENCODINGS[case][1] + SUITE.format(bad="").encode(case))
    else:
        path.write_bytes(_suite_with(case))
    result = CliRunner().invoke(main, ["validate", "--root", str(tmp_path), str(path)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if "s.yaml:" in line]
    assert len(lines) == 1 and ("s.yaml:5:" in lines[0] or "s.yaml:1:1:" in lines[0]), result.output
    assert "internal error" not in result.output and "Traceback" not in result.output


AGENT = "def agent(messages):\n    return 'Done: your order is refunded.'\n"


@pytest.mark.parametrize("case", ["\x00", "\x1b", "\ufffe", "utf-16-le", "utf-32-le"])
def test_pytest_collection_reports_the_file_and_position(case: str, pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml(
        '[tool.pytest.ini_options]\npythonpath = ["."]\nasyncio_default_fixture_loop_scope = "function"\n'
    )
    (pytester.path / "tiny_agent.py").write_text(AGENT)
    (pytester.path / "suites").mkdir()
    (pytester.path / "suites" / "ok.yaml").write_text(SUITE.format(bad="").replace("suite: tiny", "suite: ok"))
    bad = pytester.path / "suites" / "bad.yaml"
    if case in ENCODINGS:
        bad.write_bytes(ENCODINGS[case][1] + SUITE.format(bad="").encode(case))
    else:
        bad.write_bytes(_suite_with(case))
    result = pytester.runpytest("--collect-only", "-q", "suites", "-p", "no:cacheprovider")
    out = result.stdout.str()
    assert result.ret == 2, out  # a collection error, never a silent skip
    assert "ERROR collecting suites/bad.yaml" in out
    assert ("suites/bad.yaml:5:" in out) if case not in ENCODINGS else ("suites/bad.yaml:1:1:" in out and "UTF-" in out)
    assert "Traceback" not in out and "yaml/reader.py" not in out and "INTERNALERROR" not in out
