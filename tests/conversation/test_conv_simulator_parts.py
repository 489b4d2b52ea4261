"""Simulator pieces without a model: end signals and the rendered prompt."""

from __future__ import annotations

from conv_helpers import PERSONA, scenario

from evalkit.conversation.simulator import parse_reply, pick_variation, render_prompt
from evalkit.llm.types import ModelResponse, ToolCall


def test_end_signal_tool_call() -> None:
    r = parse_reply(
        ModelResponse(
            text="great, thanks",
            tool_calls=[ToolCall(id="1", name="end_conversation", arguments={"reason": "goal_met"})],
        )
    )
    assert (r.text, r.end_reason, r.end_source) == ("great, thanks", "goal_met", "tool")
    odd = parse_reply(
        ModelResponse(tool_calls=[ToolCall(id="1", name="end_conversation", arguments={"reason": "bored"})])
    )
    assert odd.end_reason == "unspecified"


def test_end_signal_json_and_stop_token() -> None:
    j = parse_reply(ModelResponse(text='{"message": "ok bye", "end_conversation": "gave_up"}'))
    assert (j.text, j.end_reason, j.end_source) == ("ok bye", "gave_up", "json")
    s = parse_reply(ModelResponse(text="thanks! ###STOP###"))
    assert (s.text, s.end_reason, s.end_source) == ("thanks!", "unspecified", "stop_token")
    plain = parse_reply(ModelResponse(text='{"order": 1234}'))
    assert plain.end_reason is None and plain.text == '{"order": 1234}'


def test_prompt_carries_persona_goal_facts_and_end_rules() -> None:
    prompt = render_prompt(scenario(), seed=7, min_turns=2, max_turns=6)
    text = prompt.system
    for needle in [
        "A busy customer.",
        "Writing style: short",
        "Get a refund for order 1234",
        "- order_id: 1234",
        "- email: ana@example.com",
        "- home address",
        "say you don't know",
        "end_conversation",
        "goal_met",
        "gave_up",
        "agent_ended",
        "off_topic",
        "###STOP###",
        "at least 2",
    ]:
        assert needle in text, needle
    assert prompt.variation in PERSONA.variations and f"This time: {prompt.variation}" in text
    assert "Write your first message" in prompt.kickoff


def test_variation_follows_the_seed() -> None:
    picks = {seed: pick_variation(PERSONA, seed) for seed in range(20)}
    assert picks == {seed: pick_variation(PERSONA, seed) for seed in range(20)}
    assert set(picks.values()) == set(PERSONA.variations)
    assert pick_variation(None, 3) is None


def test_custom_template(tmp_path) -> None:
    tpl = tmp_path / "mine.j2"
    tpl.write_text("You want: {{ goal }} ({{ known | length }} facts)")
    prompt = render_prompt(scenario(), seed=1, min_turns=0, max_turns=3, template=tpl)
    assert prompt.system == "You want: Get a refund for order 1234, a blender that arrived broken. (2 facts)"
