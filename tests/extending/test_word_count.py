"""The worked example of docs/extending.md: a `word_count` check kind that is one module (word_count/) plus this test.

The module is installed as pip would install a package declaring

    [project.entry-points."evalkit.checks"]
    word_count = "evalkit_word_count"

(a *.dist-info with entry_points.txt on PYTHONPATH), and only in subprocesses, so this session's registry,
schemas and docs stay evalkit's own.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
EVALKIT = Path(sys.executable).with_name("evalkit")
AGENT = '''
def agent(messages):
    """Short when asked to be, long-winded otherwise."""
    text = messages[-1]["content"]
    long = "I am so sorry to hear that; let me explain at length what happens next."
    return "Refunded, done." if "short" in text else long
'''
SUITE = """
suite: wordy
agent: wordy_agent:agent
trials: 2
scenarios:
  - id: brief
    goal: get a short answer
    turns: [{user: "short answer please"}]
    checks:
      - word_count: {max: 5}
  - id: rambling
    goal: get any answer
    turns: [{user: "what happens now?"}]
    checks:
      - word_count: {max: 5, on: agent}
        name: concise
"""


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def installed(tmp_path: Path) -> dict[str, str]:
    """An environment in which the word_count package is installed (its dist-info and its one module)."""
    site = tmp_path / "site"
    dist = site / "evalkit_word_count-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: evalkit-word-count\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[evalkit.checks]\nword_count = evalkit_word_count\n")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(HERE / "word_count"), str(ROOT)])}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "project"
    (path / "suites").mkdir(parents=True)
    (path / "pyproject.toml").write_text('[tool.pytest.ini_options]\npythonpath = ["."]\n')
    (path / "wordy_agent.py").write_text(textwrap.dedent(AGENT))
    (path / "suites" / "wordy.yaml").write_text(textwrap.dedent(SUITE))
    return path


def test_the_installed_kind_is_in_the_printed_schema_with_its_docs_line(installed: dict[str, str]) -> None:
    out = _run([str(EVALKIT), "schema", "suite"], ROOT, installed)
    assert out.returncode == 0, out.stderr
    check = json.loads(out.stdout)["$defs"]["Check"]
    prop = check["properties"]["word_count"]
    assert prop["description"] == "Passes when no message written by `on` has more than `max` words."
    spec = json.loads(out.stdout)["$defs"][prop["anyOf"][0]["$ref"].rsplit("/", 1)[-1]]
    assert spec["required"] == ["max"] and spec["properties"]["max"]["exclusiveMinimum"] == 0


def test_the_installed_kind_is_complete_and_evaluates(installed: dict[str, str]) -> None:
    code = textwrap.dedent("""
        from evalkit.conversation.transcript import Transcript, TranscriptMessage, TranscriptMeta
        from evalkit.judging.checks import evaluate_check
        from evalkit.spec.check_registry import CHECKS, entry_problems
        from evalkit.spec.checks import Check
        entry = CHECKS.get("word_count")
        t = Transcript(meta=TranscriptMeta(scenario_id="s"), messages=[
            TranscriptMessage(role="user", content="one two three four", turn=1),
            TranscriptMessage(role="assistant", content="a b c", turn=1)])
        for data in ({"word_count": {"max": 3}}, {"word_count": {"max": 3, "on": "user"}}):
            f = evaluate_check(Check.model_validate(data), t)
            print(f.passed, f.reasoning, [e.turn for e in f.evidence])
        print(entry.origin, entry_problems(entry))
    """)
    out = _run([sys.executable, "-c", code], ROOT, installed)
    assert out.stdout.splitlines() == [
        "True longest agent message has 3 words (max 3) []",
        "False 1 user message(s) over 3 words; turn 1 has 4 [1]",
        "evalkit_word_count []",
    ], out.stderr


def test_validate_accepts_the_kind_and_suggests_it_for_a_typo(installed: dict[str, str], project: Path) -> None:
    ok = _run([str(EVALKIT), "validate", "suites"], project, installed)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    suite = project / "suites" / "wordy.yaml"
    suite.write_text(suite.read_text().replace("- word_count: {max: 5}", "- word_cont: {max: 5}"))
    typo = _run([str(EVALKIT), "validate", "suites"], project, installed)
    assert typo.returncode == 1
    assert typo.stdout.strip() == (
        "suites/wordy.yaml:10:9: scenarios[0].checks[0].word_cont: unknown key 'word_cont' (did you mean 'word_count'?)"
    )


def test_without_the_package_the_kind_is_unknown(project: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = _run([str(EVALKIT), "validate", "suites"], project, env)
    assert out.returncode == 1
    assert "scenarios[0].checks[0].word_count: unknown key 'word_count'" in out.stdout


def test_a_suite_using_the_kind_runs_offline_and_reports_its_verdicts(installed: dict[str, str], project: Path) -> None:
    out = _run([str(EVALKIT), "run", "suites", "--offline", "-p", "no:cacheprovider"], project, installed)
    assert "FAILED suites/wordy.yaml::rambling" in out.stdout and "Traceback" not in out.stdout + out.stderr
    assert re.search(r"checks:concise\s+│\s+0\.00\s+│\s+2\s+│\s+2", out.stdout), out.stdout[-3000:]
    [results] = [p for p in (project / "reports").glob("*/results.jsonl") if p.parent.name != "latest"]
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    verdicts = sorted({(r["scenario_id"], r["criterion_id"], r["kind"], r["outcome"], r["reasoning"]) for r in rows})
    assert verdicts == [
        ("brief", "word_count", "word_count", "pass", "longest agent message has 2 words (max 5)"),
        ("rambling", "concise", "word_count", "fail", "1 agent message(s) over 5 words; turn 2 has 15"),
    ]
    evidence = next(r["evidence"] for r in rows if r["outcome"] == "fail")
    assert evidence[0]["quote"].startswith("I am so sorry") and evidence[0]["verified"] is True
