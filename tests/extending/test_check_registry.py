"""The check registry is the one source of check kinds: validation, schemas, docs and evaluation agree with it."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from evalkit.conversation.transcript import Transcript, TranscriptMessage, TranscriptMeta
from evalkit.judging.check_api import CheckContext, Finding
from evalkit.judging.checks import evaluate_any, evaluate_check
from evalkit.llm.types import ToolCall
from evalkit.registry import Entry, Registry, RegistryError
from evalkit.spec import check_docs
from evalkit.spec.check_registry import CHECKS, COMMON_KEYS, entry_problems, register_check, spec_fragment
from evalkit.spec.checks import Check
from evalkit.spec.messages import resolve
from evalkit.spec.schema import json_schema

ROOT = Path(__file__).resolve().parents[2]
BUILTIN = {
    "regex",
    "not_regex",
    "contains",
    "not_contains",
    "json_schema",
    "tool_called",
    "tool_not_called",
    "tool_sequence",
    "max_turns",
    "budget",
    "claims_match_actions",
    "state",
}


@pytest.fixture
def refund_transcript() -> Transcript:
    call = ToolCall(id="c1", name="refund_order", arguments={"order_id": "1234"})
    return Transcript(
        meta=TranscriptMeta(scenario_id="refund"),
        messages=[
            TranscriptMessage(role="user", content="refund order 1234", turn=1),
            TranscriptMessage(role="assistant", tool_calls=[call], turn=1),
            TranscriptMessage(role="assistant", content="Refunded.", turn=1),
        ],
    )


def _kind_properties(kind: str) -> dict[str, Any]:
    root = json_schema(kind)
    return {k: v for k, v in root["$defs"]["Check"]["properties"].items() if k not in Check.model_fields}


def _without_doc(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """A kind's property in the file schema, as its standalone fragment would read (refs followed, no docs line)."""
    if list(schema.get("anyOf", [{}])[0]) == ["$ref"]:  # a spec model: a one-branch anyOf of its $defs entry
        return resolve(schema["anyOf"][0], root)
    return {k: v for k, v in schema.items() if k != "description"}


def test_every_registered_kind_has_every_part() -> None:
    assert {e.name for e in CHECKS} >= BUILTIN
    assert {e.name: entry_problems(e) for e in CHECKS} == {e.name: [] for e in CHECKS}


@pytest.mark.parametrize(
    ("doc", "parts", "value", "problem"),
    [
        ("two\nlines", {"spec": str, "schema": {"type": "string"}}, lambda s, c: None, "doc: expected one"),
        ("ok", {"schema": {"type": "string"}}, lambda s, c: None, "spec: missing"),
        ("ok", {"spec": str, "schema": {"type": 3}}, lambda s, c: None, "schema: not a valid JSON Schema"),
        ("ok", {"spec": str, "schema": {"type": "string"}}, "not callable", "evaluator: not callable"),
        ("ok", {"spec": str, "schema": {"type": "string"}}, lambda transcript: None, "evaluator: expected a function"),
    ],
)
def test_a_kind_lacking_a_part_is_named(doc: str, parts: dict[str, Any], value: Any, problem: str) -> None:
    [found] = entry_problems(Entry("broken", value, doc, parts, "tests"))
    assert found.startswith(problem)


def test_registration_refuses_a_kind_without_doc_or_with_a_spec_pydantic_cannot_describe() -> None:
    reg: Registry[Any] = Registry("check kind", "evalkit.tests.none", required=("spec", "schema"))
    with pytest.raises(RegistryError, match="missing doc, spec, schema"):
        reg.add("x", len, doc="")

    class Opaque:  # not a pydantic type: no validation, no JSON Schema
        pass

    with pytest.raises(RegistryError, match=r"check kind 'opaque': spec .* has no JSON Schema"):
        spec_fragment("opaque", Opaque)


@pytest.mark.parametrize("name", ["name", "on", "ignore_case", "Word-Count", ""])
def test_a_kind_named_like_a_common_key_or_not_snake_case_is_refused(name: str) -> None:
    assert set(COMMON_KEYS) == set(Check.model_fields)
    with pytest.raises(RegistryError, match="not a usable kind key"):
        register_check(name, doc="x", spec=str)
    assert name not in CHECKS


@pytest.mark.parametrize("kind", ["rubric", "suite"])
def test_file_schemas_hold_exactly_the_registered_kinds_with_their_fragments_and_docs(kind: str) -> None:
    root = json_schema(kind)
    properties = _kind_properties(kind)
    assert set(properties) == set(CHECKS.names())
    for entry in CHECKS:
        assert properties[entry.name]["description"] == entry.doc
        fragment = {k: v for k, v in entry.parts["schema"].items() if k != "$defs"}
        assert _without_doc(properties[entry.name], root) == fragment, entry.name


def test_docs_table_of_check_kinds_is_generated_from_the_registry() -> None:
    text = (ROOT / "docs" / "authoring.md").read_text()
    assert check_docs.rewrite(text) == text, "stale: run `python -m evalkit.spec.check_docs docs/authoring.md`"
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == sorted(BUILTIN)
    assert "| `tool_called` | `{name, args?, count?, min_count?, max_count?}` |" in text


def test_docs_table_goes_stale_when_a_doc_line_changes() -> None:
    entries = [
        e if e.name != "regex" else Entry(e.name, e.value, "changed", e.parts, e.origin)
        for e in check_docs.builtin_kinds()
    ]
    text = (ROOT / "docs" / "authoring.md").read_text()
    assert check_docs.rewrite(text, entries) != text
    with pytest.raises(ValueError, match="no check-kinds markers"):
        check_docs.rewrite("# no table here\n")


def test_a_kind_key_reads_back_as_written() -> None:
    check = Check.model_validate({"tool_called": {"name": "refund_order", "args": {"order_id": "1"}}, "name": "r"})
    assert (check.kind, check.spec.name, check.label) == ("tool_called", "refund_order", "r")
    assert check.tool_called is check.spec and check.regex is None  # the older attribute reads still work
    assert check.model_dump(mode="json", exclude_defaults=True) == {
        "tool_called": {"name": "refund_order", "args": {"order_id": "1"}},
        "name": "r",
    }
    assert Check.model_validate(check.model_dump()) == check
    assert pickle.loads(pickle.dumps(check)) == check  # xdist and Ray workers receive suites pickled
    assert Check.model_validate({"regex": "a"}) != Check.model_validate({"contains": "a"})
    with pytest.raises(AttributeError):
        _ = check.not_a_kind


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"tool_caled": {"name": "x"}}, "unknown key 'tool_caled' (did you mean 'tool_called'?)"),
        ({"on": "agent"}, "check has no kind (expected one of: budget, claims_match_actions, contains"),
        ({"regex": "a", "contains": "b"}, "check has 2 kinds: regex, contains"),
        ({"regex": "("}, "invalid regular expression"),
        ({"max_turns": 0}, "Input should be greater than 0"),
    ],
)
def test_checks_built_in_python_get_the_loader_messages(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Check.model_validate(data)
    assert message in str(caught.value)


def test_a_spec_error_is_located_below_its_kind_key() -> None:
    with pytest.raises(ValidationError) as caught:
        Check.model_validate({"tool_called": {"name": "x", "count": 1, "min_count": 0}})
    [error] = caught.value.errors()
    assert error["ctx"]["error"].at == ("min_count",)
    with pytest.raises(ValidationError) as caught:
        Check.model_validate({"budget": {"max_tokens": "many"}})
    assert caught.value.errors()[0]["loc"] == ("budget", "max_tokens")


def test_evaluation_goes_through_the_registered_evaluator(refund_transcript: Any) -> None:
    regex = CHECKS.get("regex")
    assert regex.value is CHECKS.get("not_contains").value  # one evaluator serves the four text kinds
    finding = evaluate_check(Check.model_validate({"tool_not_called": "refund_order"}), refund_transcript)
    assert finding.passed is False and "refund_order was called" in finding.reasoning


def test_an_evaluator_that_raises_or_returns_garbage_is_invalid_not_a_crash(refund_transcript: Any) -> None:
    class Spec(BaseModel):
        n: int

    def explodes(spec: Spec, ctx: CheckContext) -> Finding:
        raise RuntimeError(f"boom {spec.n}")

    def garbage(spec: Spec, ctx: CheckContext) -> Finding:
        return "yes"  # type: ignore[return-value]

    for name, evaluator, reason in [
        ("h1_explodes", explodes, "RuntimeError: boom 3"),
        ("h1_garbage", garbage, "returned str, not a Finding"),
    ]:
        check = Check.model_construct(**{name: Spec(n=3)})
        CHECKS._entries[name] = Entry(name, evaluator, "test", {"spec": Spec, "schema": {}}, "tests")
        try:
            finding = evaluate_check(check, refund_transcript)
        finally:
            del CHECKS._entries[name]
        assert finding.passed is None and reason in finding.reasoning


@pytest.mark.asyncio
async def test_an_async_evaluator_is_awaited_by_evaluate_any_and_refused_by_evaluate_check(
    refund_transcript: Any,
) -> None:
    class Spec(BaseModel):
        n: int

    async def asks(spec: Spec, ctx: CheckContext) -> Finding:
        return Finding(passed=spec.n == 3, reasoning=f"asked {ctx.hub}")

    async def garbage(spec: Spec, ctx: CheckContext) -> Finding:
        return 3  # type: ignore[return-value]

    CHECKS._entries["h1_asks"] = Entry("h1_asks", asks, "test", {"spec": Spec, "schema": {}}, "tests")
    CHECKS._entries["h1_agarbage"] = Entry("h1_agarbage", garbage, "test", {"spec": Spec, "schema": {}}, "tests")
    try:
        asks_check = Check.model_construct(h1_asks=Spec(n=3))
        found = await evaluate_any(asks_check, refund_transcript, "the-hub", None)  # type: ignore[arg-type]
        refused = evaluate_check(asks_check, refund_transcript)
        garbage_check = Check.model_construct(h1_agarbage=Spec(n=3))
        bad = await evaluate_any(garbage_check, refund_transcript, None, None)  # type: ignore[arg-type]
    finally:
        del CHECKS._entries["h1_asks"], CHECKS._entries["h1_agarbage"]
    assert (found.passed, found.reasoning) == (True, "asked the-hub")
    assert refused.passed is None and "asks a model" in refused.reasoning
    assert bad.passed is None and "returned int, not a Finding" in bad.reasoning


def test_a_check_whose_kind_is_no_longer_registered_is_invalid(refund_transcript: Any) -> None:
    finding = evaluate_check(Check.model_construct(word_cnt={"max": 1}), refund_transcript)
    assert finding.passed is None and "unknown check kind 'word_cnt'" in finding.reasoning


def test_committed_schemas_carry_every_builtin_kind() -> None:
    for name in ("rubric.schema.json", "suite.schema.json"):
        committed = json.loads((ROOT / "schemas" / name).read_text())
        assert set(committed["$defs"]["Check"]["properties"]) >= BUILTIN


def test_extending_md_shows_the_worked_examples_as_the_tests_run_them() -> None:
    """The code blocks of docs/extending.md are the example modules, byte for byte."""
    text = (ROOT / "docs" / "extending.md").read_text()
    blocks = [block.split("\n", 1)[1] for block in text.split("```")[1::2] if block.startswith("python\n")]
    examples = ROOT / "tests" / "extending"
    assert (examples / "word_count" / "evalkit_word_count.py").read_text() in blocks
    assert (examples / "report_section" / "slowest_trials.py").read_text() in blocks
    for heading in ("## Add a check", "## Add a provider", "## Add an agent adapter", "## Add a report section"):
        assert heading in text


@pytest.mark.asyncio
async def test_claims_without_a_model_source_is_invalid_and_names_why(refund_transcript: Any) -> None:
    named = Check.model_validate({"claims_match_actions": {"judge_model": "openai:claims-judge"}})
    found = await evaluate_any(named, refund_transcript, None, None)  # type: ignore[arg-type]
    assert found.passed is None and "none may be called here" in found.reasoning
    bare = Check.model_validate({"claims_match_actions": {}})
    unnamed = await evaluate_any(bare, refund_transcript, None, None)  # type: ignore[arg-type]
    assert unnamed.passed is None and unnamed.reasoning.startswith("no judge model configured")
