"""The simulator's prompts: jinja2 templates rendered from the scenario and the trial's seed.

Three templates, each overridable from the suite (`simulator.template`, `kickoff_template`,
`no_reply_template`, paths relative to the suite file): the system prompt, the bracketed note
that opens the simulator's side of the conversation, and the note shown when the agent said
nothing visible. evalkit's own (templates/simulator/) are domain-neutral; a suite brings its
domain's wording (the demo's, evalkit/demo/project/suites/demo/simulator/, plays a shop's customer).
All three are rendered in a sandbox with strict undefined variables and receive the same variables (see system.j2).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from evalkit.conversation.simulator.signals import END_REASONS, STOP_TOKEN
from evalkit.spec.models import Persona, Scenario, SimulatorConfig

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates" / "simulator"
TEMPLATE_KEYS = {"system": "template", "kickoff": "kickoff_template", "no_reply": "no_reply_template"}


class SimulatorPrompt:
    """Rendered system prompt, kickoff and no-reply notes for one session."""

    def __init__(self, system: str, kickoff: str, variation: str | None, no_reply: str | None = None) -> None:
        self.system = system
        self.kickoff = kickoff
        self.variation = variation
        self.no_reply = no_reply if no_reply is not None else default_text("no_reply")


def pick_variation(persona: Persona | None, seed: int) -> str | None:
    """One of the persona's variations, chosen by the trial's seed (same seed, same variation)."""
    if persona is None or not persona.variations:
        return None
    return random.Random(seed).choice(persona.variations)


def template_paths(config: SimulatorConfig, folder: Path | None) -> dict[str, Path]:
    """The suite's overrides by template name ("system", "kickoff", "no_reply"), resolved against its folder."""
    paths: dict[str, Path] = {}
    for name, key in TEMPLATE_KEYS.items():
        value = getattr(config, key)
        if value:
            path = Path(value)
            paths[name] = path if path.is_absolute() or folder is None else folder / path
    return paths


def render_prompt(
    scenario: Scenario,
    *,
    seed: int,
    min_turns: int,
    max_turns: int,
    template: str | Path | None = None,
    templates: Mapping[str, Path] | None = None,
) -> SimulatorPrompt:
    """Render the three templates (evalkit's, or the files in `templates`; `template` is the system one's older name)."""
    chosen = dict(templates or {})
    if template is not None:
        chosen.setdefault("system", Path(template))
    persona = scenario.persona if isinstance(scenario.persona, Persona) else None
    variation = pick_variation(persona, seed)
    variables = {
        "persona": persona,
        "variation": variation,
        "goal": scenario.goal,
        "known": scenario.known,
        "unknown": scenario.unknown,
        "min_turns": min_turns,
        "max_turns": max_turns,
        "end_reasons": END_REASONS,
        "stop_token": STOP_TOKEN,
    }
    rendered = {name: _load(chosen.get(name), name).render(**variables).strip() for name in TEMPLATE_KEYS}
    return SimulatorPrompt(
        system=rendered["system"], kickoff=rendered["kickoff"], variation=variation, no_reply=rendered["no_reply"]
    )


def default_text(name: str) -> str:
    """evalkit's own template `name`, rendered without variables (kickoff and no_reply take none)."""
    return _load(None, name).render().strip()


def _load(path: Path | None, name: str):
    if path is None:
        return _folder_environment(TEMPLATE_DIR).get_template(f"{name}.j2")
    return _folder_environment(Path(path).resolve().parent).get_template(Path(path).name)


@lru_cache(maxsize=64)
def _folder_environment(folder: Path) -> SandboxedEnvironment:
    """One environment per template folder, so its compiled templates are reused across sessions."""
    return SandboxedEnvironment(
        loader=FileSystemLoader(str(folder)), undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False
    )
