"""The redactor: what it replaces, what it leaves alone, and the spellings a secret takes in files."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from evalkit.security import MARK, RedactingStream, env_references, redact, redact_bytes, watch_env, watch_value

OPENAI = "sk-proj-Zx81Qw0e9Rt7Yu6Io5Pa4Sd3"


@pytest.mark.parametrize(
    "text",
    [
        f"Error code: 401 - {{'error': {{'message': 'Incorrect API key provided: {OPENAI}'}}}}",
        "sk-ant-api03-AbCdEfGh123456",
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.x1",
        '{"authorization": "Bearer tok_9f8e7d6c5b"}',
        "{'x-api-key': 'k3y-value-123456'}",
        '\\"api-key\\": \\"abcdef123456\\"',
        "https://gw.example/v1?api_key=abcd1234efgh",
        "ghp_" + "a1" * 18,
        "AKIAIOSFODNN7EXAMPLE",
    ],
)
def test_key_shapes_and_header_values_are_redacted(text: str) -> None:
    cleaned = redact(text)
    assert MARK in cleaned
    for token in ("Zx81", "api03", "eyJhbG", "tok_9f", "k3y-value", "abcdef123456", "abcd1234", "a1a1a1", "AKIA"):
        assert token not in cleaned


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: required before the refund",  # a header name in prose, no token-like value
        "the bearer of this card",
        "locale sk-SK, task-list, risk-free",
        "x-api-key: short1",  # too short to be a key
        "order 1234 arrived broken",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_watched_variables_are_redacted_in_every_spelling(monkeypatch: pytest.MonkeyPatch) -> None:
    token = 'canary/"tok"+9f8e7d6c'  # no key shape: only the watched variable finds it
    monkeypatch.setenv("CANARY_SERVICE_CRED", token)
    assert redact(f"x {token} y") == f"x {token} y"  # not watched yet
    watch_env("CANARY_SERVICE_CRED")
    for spelled in (token, json.dumps(token)[1:-1], quote(token, safe="")):
        assert redact(f"url?t={spelled}&x=1") == f"url?t={MARK}&x=1"
    monkeypatch.setenv("CANARY_SERVICE_CRED", "rotated-value-42xy")  # read at each call, not once
    assert redact("rotated-value-42xy") == MARK


def test_secret_looking_variable_names_are_watched_when_the_value_looks_like_a_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ACME_API_TOKEN", "plain0words1only")
    monkeypatch.setenv("ACME_SORT_KEY", "scenario_id")  # a name that says key, a value that is a word
    assert redact("we got plain0words1only back") == f"we got {MARK} back"
    assert redact("sorted by scenario_id") == "sorted by scenario_id"


def test_short_values_are_not_replaced_as_substrings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINY_TOKEN", "abc")
    watch_env("TINY_TOKEN")
    assert redact("abcdef abc") == "abcdef abc"


def test_values_handed_over_in_code_are_redacted() -> None:
    watch_value("configured-in-code-7731")
    assert redact("key configured-in-code-7731 used") == f"key {MARK} used"


def test_redacted_json_stays_json() -> None:
    row = {"reason": f"HTTP 401: {{'authorization': 'Bearer {OPENAI}'}}", "key": OPENAI, "n": 1}
    cleaned = json.loads(redact_bytes(json.dumps(row).encode()))
    assert OPENAI not in json.dumps(cleaned) and cleaned["n"] == 1 and cleaned["key"] == MARK


def test_env_references_and_stream() -> None:
    assert env_references("url: http://x/${A_B}?k=${C1} $NOT {X}") == {"A_B", "C1"}
    import io

    buf = io.StringIO()
    RedactingStream(buf).write(f"token {OPENAI}\n")
    assert buf.getvalue() == f"token {MARK}\n"
