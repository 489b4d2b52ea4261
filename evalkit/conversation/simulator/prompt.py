"""The simulator's prompt: a jinja2 template rendered from the scenario and the trial's seed."""

from __future__ import annotations

import random
from functools import lru_cache
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from evalkit.conversation.simulator.signals import END_REASONS, STOP_TOKEN
from evalkit.spec.models import Persona, Scenario

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates" / "simulator"


class SimulatorPrompt:
    """Rendered system prompt and kickoff message for one session."""

    def __init__(self, system: str, kickoff: str, variation: str | None) -> None:
        self.system = system
        self.kickoff = kickoff
        self.variation = variation


def pick_variation(persona: Persona | None, seed: int) -> str | None:
    """One of the persona's variations, chosen by the trial's seed (same seed, same variation)."""
    if persona is None or not persona.variations:
        return None
    return random.Random(seed).choice(persona.variations)


def render_prompt(
    scenario: Scenario, *, seed: int, min_turns: int, max_turns: int, template: str | Path | None = None
) -> SimulatorPrompt:
    """Render the system prompt (default `templates/simulator/system.j2`, or a user template file)."""
    persona = scenario.persona if isinstance(scenario.persona, Persona) else None
    variation = pick_variation(persona, seed)
    system_tpl = _environment(template).get_template(Path(template).name if template else "system.j2")
    system = system_tpl.render(
        persona=persona,
        variation=variation,
        goal=scenario.goal,
        known=scenario.known,
        unknown=scenario.unknown,
        min_turns=min_turns,
        max_turns=max_turns,
        end_reasons=END_REASONS,
        stop_token=STOP_TOKEN,
    )
    kickoff = _environment(None).get_template("kickoff.j2").render().strip()
    return SimulatorPrompt(system=system.strip(), kickoff=kickoff, variation=variation)


def _environment(template: str | Path | None) -> SandboxedEnvironment:
    folder = Path(template).resolve().parent if template else TEMPLATE_DIR
    return _folder_environment(folder)


@lru_cache(maxsize=64)
def _folder_environment(folder: Path) -> SandboxedEnvironment:
    """One environment per template folder, so its compiled templates are reused across sessions."""
    return SandboxedEnvironment(
        loader=FileSystemLoader(str(folder)), undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False
    )
