"""Pure helpers: error classification, Retry-After parsing, JSON extraction, wire mapping details."""

from __future__ import annotations

import email.utils
import time
from types import SimpleNamespace

import pytest

from evalkit.llm.backends.anthropic_backend import merge_turns
from evalkit.llm.backends.openai_backend import is_strict_compatible
from evalkit.llm.errors import ClassifiedError, classify, kind_for_status, retry_after_s
from evalkit.llm.retry import RetryPolicy
from evalkit.llm.structured import extract_json
from evalkit.llm.types import ErrorKind


@pytest.mark.parametrize(
    ("status", "message", "kind"),
    [
        (429, "", ErrorKind.rate_limit),
        (529, "", ErrorKind.overloaded),
        (503, "", ErrorKind.overloaded),
        (500, "", ErrorKind.server),
        (502, "", ErrorKind.server),
        (408, "", ErrorKind.timeout),
        (401, "", ErrorKind.auth),
        (403, "", ErrorKind.auth),
        (400, "invalid tool schema", ErrorKind.bad_request),
        (404, "model not found", ErrorKind.bad_request),
        (400, "prompt is too long: 210000 tokens > 200000 maximum", ErrorKind.context_length),
        (400, "This model's maximum context length is 8192 tokens", ErrorKind.context_length),
    ],
)
def test_kind_for_status(status, message, kind):
    assert kind_for_status(status, message) is kind


def test_retry_after_forms():
    assert retry_after_s({"retry-after": "2"}) == 2.0
    assert retry_after_s({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    future = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 20 < retry_after_s({"retry-after": future}) <= 30
    assert retry_after_s({}) is None and retry_after_s(None) is None


def test_unreadable_retry_after_is_ignored_not_raised():
    """classify() runs inside the retry loop: a raise there escaped as a raw ValueError instead of a ModelError."""

    class RateLimited(Exception):
        status_code = 429
        response = SimpleNamespace(headers={"retry-after": "soon"})

    assert retry_after_s({"retry-after": "soon"}) is None
    error = classify(RateLimited("slow down"))
    assert error.kind is ErrorKind.rate_limit and error.retry_after is None and error.retryable


def test_backoff_is_full_jitter_under_an_exponential_cap():
    policy = RetryPolicy(max_retries=5, base_s=1.0, max_s=5.0)
    plain = ClassifiedError(ErrorKind.server, "x")
    assert all(0 <= policy.delay(1, plain) <= 1.0 for _ in range(50))
    assert all(0 <= policy.delay(4, plain) <= 5.0 for _ in range(50))
    assert max(policy.delay(3, plain) for _ in range(200)) > 1.0  # grows with the attempt
    assert policy.delay(1, ClassifiedError(ErrorKind.rate_limit, "x", retry_after=3.0)) == 3.0
    assert policy.delay(1, ClassifiedError(ErrorKind.rate_limit, "x", retry_after=99.0)) == 5.0


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('{"a": 1}', {"a": 1}),
        ('Here you go:\n```json\n{"a": 2}\n```\nthanks', {"a": 2}),
        ('```\n{"a": 3}\n```', {"a": 3}),
        ('The answer is {"a": {"b": "}"}} and more {"c": 1}', {"a": {"b": "}"}}),
        ("[1, 2]", [1, 2]),
        # an escaped quote does not end the string, so the brace after it is not structure
        ('Verdict: {"quote": "he typed \\"}\\" twice", "score": 1} done', {"quote": 'he typed "}" twice', "score": 1}),
        ('{"a": "ends in a backslash \\\\"} trailing', {"a": "ends in a backslash \\"}),
    ],
)
def test_extract_json(text, value):
    assert extract_json(text) == value


@pytest.mark.parametrize("text", ["", "no json", '{"a": '])
def test_extract_json_failures(text):
    with pytest.raises(ValueError):
        extract_json(text)


def test_merge_turns_keeps_blocks_in_order():
    merged = merge_turns(
        [
            {"role": "user", "content": "a"},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "r"}]},
            {"role": "assistant", "content": "b"},
        ]
    )
    assert merged == [
        {
            "role": "user",
            "content": [{"type": "text", "text": "a"}, {"type": "tool_result", "tool_use_id": "t", "content": "r"}],
        },
        {"role": "assistant", "content": "b"},
    ]


def test_strict_schema_detection():
    closed = {
        "type": "object",
        "properties": {"a": {"type": "string"}},
        "required": ["a"],
        "additionalProperties": False,
    }
    assert is_strict_compatible(closed)
    assert not is_strict_compatible({**closed, "additionalProperties": True})
    assert not is_strict_compatible({"type": "object", "properties": {"a": {}}, "required": []})
    assert not is_strict_compatible(
        {
            "type": "object",
            "properties": {"x": closed | {"required": []}},
            "required": ["x"],
            "additionalProperties": False,
        }
    )
