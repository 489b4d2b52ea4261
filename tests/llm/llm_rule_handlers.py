"""Handlers referenced from YAML rules files as 'llm_rule_handlers:NAME' in the tests."""

from __future__ import annotations

from evalkit.llm import LLMRequest, Reply


def shout(request: LLMRequest) -> str:
    return request.last_message.upper()


def grade(request: LLMRequest) -> Reply:
    # a judge handler can look at the schema it was asked for
    assert request.output_schema is not None
    return Reply(json={"score": len(request.messages), "role": request.role})


def broken(request: LLMRequest) -> int:
    return 42
