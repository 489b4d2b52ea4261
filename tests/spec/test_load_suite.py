"""load_suite: the API the run engine and the pytest plugin build on."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.spec import (
    LoadedSuite,
    Persona,
    RubricNotFound,
    RubricRegistry,
    SpecError,
    find_project_root,
    is_suite_file,
    load_personas,
    load_suite,
)

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "evalkit" / "demo" / "project" / "suites" / "demo" / "support.yaml"


@pytest.fixture(scope="module")
def demo() -> LoadedSuite:
    return load_suite(DEMO)


def test_demo_suite_is_realistic(demo: LoadedSuite) -> None:
    assert demo.suite.agent_config.target == "evalkit.demo.support_agent:make_agent"
    assert demo.suite.agent_models == ["openai:gpt-4.1-mini", "openai:gpt-4.1"]
    assert len(demo.scenarios) >= 5
    assert {"refund-damaged-item", "cancel-order", "update-address", "order-status", "refund-out-of-policy"} <= {
        s.id for s in demo.scenarios
    }


def test_defaults_are_applied_and_personas_resolved(demo: LoadedSuite) -> None:
    by_id = {s.id: s for s in demo.scenarios}
    refund = by_id["refund-damaged-item"]
    assert isinstance(refund.persona, Persona) and refund.persona.id == "terse-customer"  # from defaults
    assert by_id["cancel-order"].persona.id == "polite-detailed"
    assert refund.max_turns == 8 and by_id["refund-out-of-policy"].max_turns == 10
    assert refund.trials == demo.suite.trials
    assert [c.kind for c in refund.checks] == ["budget", "tool_called"]  # suite defaults first
    assert refund.checks[1].tool_called.args == {"order_id": "1234"}


def test_rubric_refs_are_pinned_to_exact_versions(demo: LoadedSuite) -> None:
    status = next(s for s in demo.scenarios if s.id == "order-status")
    assert status.rubrics == ["support.resolution@3", "support.honesty@1"]  # bare "support.honesty" -> newest
    pinned = demo.rubrics_for(status)
    assert [r.ref for r in pinned] == status.rubrics
    assert all(len(r.fingerprint) == 12 for r in pinned)
    assert [r.ref for r in demo.rubrics_for("refund-damaged-item")] == [
        "support.resolution@3",
        "support.policy-tone@1",
        "support.honesty@1",
    ]


def test_hashes_follow_content(project: Path) -> None:
    suite_file = project / "suites" / "demo" / "support.yaml"
    before = load_suite(suite_file)
    rubric = project / "rubrics" / "support" / "honesty.v1.yaml"
    rubric.write_text(rubric.read_text().replace("threshold: 0.8", "threshold: 0.9"))
    after = load_suite(suite_file)
    assert after.file_hash == before.file_hash
    assert after.rubric_files_hash != before.rubric_files_hash
    suite_file.write_text(suite_file.read_text().replace("trials: 3", "trials: 4"))
    assert load_suite(suite_file).file_hash != before.file_hash


def test_newest_version_wins_for_bare_reference() -> None:
    registry = RubricRegistry.from_dirs([ROOT / "rubrics"])
    assert registry.resolve("support.resolution").ref == "support.resolution@3"
    assert registry.resolve("support.resolution@1").rubric.version == 1
    with pytest.raises(
        RubricNotFound, match=r"has no version 7 \(available: 1, 2, 3; did you mean 'support.resolution@3'\?\)"
    ):
        registry.resolve("support.resolution@7")


def test_inline_personas_and_explicit_root(tmp_path: Path) -> None:
    (tmp_path / "rubrics").mkdir()
    (tmp_path / "rubrics" / "r.yaml").write_text("id: r\nversion: 1\ncriteria: [{id: ok, question: Fine}]\n")
    suite = tmp_path / "s.yaml"
    suite.write_text(
        "suite: s\nagent: pkg.mod:factory\nrubrics: [r]\n"
        "personas: [{id: local, description: Someone local}]\n"
        "scenarios:\n  - {id: a, goal: do it, persona: local}\n  - {id: b, goal: do it, persona: {id: inl, description: inline}}\n"
    )
    loaded = load_suite(suite, root=tmp_path)
    assert [s.persona.id for s in loaded.scenarios] == ["local", "inl"]
    assert [r.ref for r in loaded.rubrics_for("a")] == ["r@1"]


def test_broken_rubric_is_reported_when_a_suite_uses_it(tmp_path: Path) -> None:
    (tmp_path / "rubrics").mkdir()
    (tmp_path / "rubrics" / "r.yaml").write_text("id: r\nversion: 1\ncriteria: [{id: ok, qestion: Fine}]\n")
    (tmp_path / "rubrics" / "other.yaml").write_text("id: other\nversion: one\ncriteria: []\n")
    suite = tmp_path / "s.yaml"
    suite.write_text("suite: s\nagent: pkg.mod:factory\nrubrics: [r@1]\nscenarios: [{id: a, goal: g}]\n")
    with pytest.raises(SpecError) as info:
        load_suite(suite, root=tmp_path)
    lines = str(info.value).splitlines()
    assert any(line.endswith("unknown key 'qestion' (did you mean 'question'?)") for line in lines)
    assert any("rubric 'r' could not be loaded" in line and line.startswith(str(suite)) for line in lines)
    assert not any("other.yaml" in line for line in lines)  # unrelated broken rubric stays out of this suite's errors


def test_is_suite_file(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("# comment\nsuite: x\n")
    (tmp_path / "b.yaml").write_text("rules:\n  - suite: nested, not top level\n")
    (tmp_path / "c.txt").write_text("suite: x\n")
    (tmp_path / "d.yml").write_text("suite: [broken\n")
    assert [is_suite_file(tmp_path / n) for n in ("a.yaml", "b.yaml", "c.txt", "d.yml", "missing.yaml")] == [
        True,
        False,
        False,
        True,
        False,
    ]
    assert is_suite_file(DEMO) and not is_suite_file(ROOT / "rubrics" / "support" / "honesty.v1.yaml")


def test_find_project_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    nested = tmp_path / "suites" / "deep"
    nested.mkdir(parents=True)
    assert find_project_root(nested) == tmp_path
    assert find_project_root(DEMO) == ROOT / "evalkit" / "demo" / "project"  # the packaged demo is its own project
    elsewhere = tmp_path.parent / (tmp_path.name + "-none")
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert find_project_root(elsewhere) == Path.cwd()


def test_persona_library() -> None:
    library = load_personas([ROOT / "personas"])
    assert {"terse-customer", "angry-customer", "polite-detailed"} <= set(library)
    assert library["angry-customer"].variations


def test_duplicate_versions_and_persona_ids_are_reported_at_their_keys(tmp_path: Path) -> None:
    (tmp_path / "rubrics").mkdir()
    (tmp_path / "personas").mkdir()
    text = "id: r\n# same id and version twice\nversion: 1\ncriteria: [{id: ok, question: Fine}]\n"
    (tmp_path / "rubrics" / "a.yaml").write_text(text)
    (tmp_path / "rubrics" / "b.yaml").write_text(text)
    for name in ("p1", "p2"):
        (tmp_path / "personas" / f"{name}.yaml").write_text("description: d\nid: same\n")
    registry = RubricRegistry.from_dirs([tmp_path / "rubrics"])
    assert [(p.path, p.line, p.key_path) for p in registry.problems] == [
        (str(tmp_path / "rubrics" / "b.yaml"), 3, "version")
    ]
    assert "r@1 is also defined in" in registry.problems[0].message
    with pytest.raises(SpecError) as info:
        load_personas([tmp_path / "personas"])
    assert [(p.line, p.key_path) for p in info.value.problems] == [(2, "id")]
    assert "persona 'same' is also defined in" in info.value.problems[0].message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"suite": "x", "scenarios": []}', True),
        ("# flow style\n---\n{suite: x, scenarios: []}\n", True),
        ('{\n  "agent": "a:b",\n  "scenarios": [{"id": "s", "suite": "nested"}],\n  "suite": "x"\n}', True),
        ("{ # a comment\n  'suite' : x}", True),
        ('{"agent": "suite: in a string, not a key", "rules": [{"suite": "nested"}]}', False),
        ('{"suites": ["x"], "suite_x": 1}', False),
        ("[{suite: x}]", False),
    ],
)
def test_is_suite_file_reads_json_and_flow_style(tmp_path: Path, text: str, expected: bool) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    assert is_suite_file(path) is expected
