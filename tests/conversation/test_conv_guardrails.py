"""Guardrail detectors fire on the bad case and stay quiet on the natural one."""

from __future__ import annotations

import pytest

from evalkit.conversation.simulator import guardrails as g
from evalkit.conversation.simulator.guardrails import Guardrails

GOAL = "Get a refund for order 1234, a blender that arrived broken."


@pytest.mark.parametrize(
    "text",
    [
        "As an AI, I cannot have orders.",
        "Hello! How can I help you today?",
        "I am a virtual assistant.",
        "Is there anything else I can help with?",
    ],
)
def test_role_flip_fires(text: str) -> None:
    assert g.role_flip(text)


@pytest.mark.parametrize("text", ["can you help me with a refund?", "how can i get my money back", "I need assistance"])
def test_role_flip_quiet(text: str) -> None:
    assert g.role_flip(text) is None


def test_goal_copy() -> None:
    assert g.goal_copy("Hi. Get a refund for order 1234, a blender that arrived broken.", GOAL)
    assert g.goal_copy("i want to get a refund for order 1234 a blender that arrived broken", GOAL)
    assert g.goal_copy("i'd like a refund for order 1234 please, the blender came broken", GOAL) is None
    assert g.goal_copy("refund order 1234", "Refund order 1234.") is None  # short goals are too common to flag


@pytest.mark.parametrize("text", ["Sure, my home address is 5 Elm Street, Springfield.", "home address: 22 Baker St"])
def test_unknown_disclosed_fires(text: str) -> None:
    assert g.unknown_disclosed(text, ["home address"])


@pytest.mark.parametrize(
    "text",
    [
        "I don't know my home address, sorry",
        "what is my home address?",
        "not sure what my home address is",
        "my home address is something I can't remember",
    ],
)
def test_unknown_disclosed_quiet(text: str) -> None:
    assert g.unknown_disclosed(text, ["home address"]) is None


def test_early_stop_and_empty() -> None:
    assert g.early_stop(1, 3) and g.early_stop(3, 3) is None
    assert g.is_empty(" \n\t") and not g.is_empty(" x ")


def test_actions_defaults_overrides_and_unknown_names() -> None:
    rails = Guardrails({"goal_copy": "invalidate", "role_flip": "off"}, goal=GOAL, unknown=["home address"])
    assert rails.actions["goal_copy"] == "invalidate" and rails.actions["early_stop"] == "invalidate"
    flags = rails.check_text("As an AI: Get a refund for order 1234, a blender that arrived broken.", turn=2)
    assert [(f.name, f.action, f.turn) for f in flags] == [("goal_copy", "invalidate", 2)]  # role_flip is off
    with pytest.raises(ValueError, match="unknown guardrail"):
        Guardrails({"rolefilp": "warn"}, goal=GOAL, unknown=[])
    assert rails.check_end(turns_done=0, min_turns=2, turn=1)[0].name == "early_stop"
