"""What `evalkit validate` checks beyond the schema: mistakes that would otherwise surface only mid-run.

A valid-looking suite could still fail once sessions start: a judge template with a jinja2 syntax
error (every trial invalid), a variable the template's renderer never provides (StrictUndefined
fails each render), an `{% include %}` its loader cannot find, a check's JSON Schema that is not a
schema (every reading invalid), or a file the suite names (offline rules, simulator template) that
does not exist. Each is one `Problem` at the YAML key that names it.

Templates are compiled in the same sandboxed jinja2 environment the judge, the simulator and the
HTTP agent use, and checked against the variables each one renders with. Regexes need nothing here:
they are compiled in the run-time engine when a check is loaded (`evalkit.spec.checks.compile_pattern`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import jsonschema
from jinja2 import meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from evalkit.spec.models import HttpAgent
from evalkit.spec.problems import Problem, display_path
from evalkit.spec.yamlsource import KeyPath, Located, read_yaml

PACKAGE_TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


@dataclass(frozen=True)
class Renderer:
    """How one kind of template is rendered at run time: its variables and where includes are looked up."""

    what: str
    variables: frozenset[str]
    loader_dir: Path | None  # None: includes cannot resolve at all


# The variables each renderer passes (evalkit.judging.render, conversation.simulator.prompt,
# conversation.agents.http_agent); tests/reliability/test_validate_later_failures.py keeps them honest.
JUDGE = Renderer(
    "judge template", frozenset({"rubric", "criteria", "scenario", "transcript", "turns", "nonce"}), PACKAGE_TEMPLATES
)
SIMULATOR_VARIABLES = frozenset(
    {"persona", "variation", "goal", "known", "unknown", "min_turns", "max_turns", "end_reasons", "stop_token"}
)  # all three simulator templates get them
SIMULATOR_TEMPLATE_KEYS = ("template", "kickoff_template", "no_reply_template")  # SimulatorConfig's template paths
HTTP_BODY = Renderer(
    "http agent body_template",
    frozenset({"messages", "last_user_message", "session_id", "scenario_id", "trial", "seed", "turn", "model"}),
    None,
)
_ENV = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True)
_GUARDS = {"default", "d"}  # filters that make an undefined variable harmless
_TESTS = {"defined", "undefined"}


def rubric_later_problems(path: Path, template_text: str | None) -> list[Problem]:
    """A rubric's judge template and check schemas."""
    located = read_yaml(path)
    problems = _check_problems(
        located, [(("criteria", i, "check"), c.get("check")) for i, c in enumerate(_list(located.data.get("criteria")))]
    )
    template = located.data.get("template")
    if template_text is not None and isinstance(template, str):
        problems += template_problems(located, ("template",), template_text, template, JUDGE)
    return problems


def suite_later_problems(
    path: Path, agent: Any, simulator_template: str | None, simulator_templates: dict[str, str | None] | None = None
) -> list[Problem]:
    """A suite's check schemas, the files it names, its simulator templates and an HTTP agent's body template.

    `simulator_templates`: every simulator template key (SIMULATOR_TEMPLATE_KEYS) to its path;
    `simulator_template` alone is the system one (`template`), as callers passed it before.
    """
    located = read_yaml(path)
    folder = Path(path).parent
    data = located.data
    checks: list[tuple[KeyPath, Any]] = [
        (("defaults", "checks", i), c) for i, c in enumerate(_list(_dict(data.get("defaults")).get("checks")))
    ]
    for index, scenario in enumerate(_list(data.get("scenarios"))):
        checks += [(("scenarios", index, "checks", i), c) for i, c in enumerate(_list(_dict(scenario).get("checks")))]
    problems = _check_problems(located, checks)
    rules = data.get("offline_rules")
    if isinstance(rules, str) and not (folder / rules).is_file():
        problems.append(_missing(located, ("offline_rules",), "offline rules file", folder / rules, "this suite"))
    templates = dict(simulator_templates or {})
    templates.setdefault("template", simulator_template)
    for key in SIMULATOR_TEMPLATE_KEYS:
        name = templates.get(key)
        if name is not None:
            problems += _simulator_template(located, folder / name, name, key)
    if isinstance(agent, HttpAgent) and agent.body_template is not None:
        problems += template_problems(located, ("agent", "body_template"), agent.body_template, None, HTTP_BODY)
    return problems


def _simulator_template(located: Located, file: Path, name: str, key: str = "template") -> list[Problem]:
    at = ("simulator", key)
    what = "simulator template" if key == "template" else f"simulator {key}"
    if not file.is_file():
        return [_missing(located, at, what, file, "this suite")]
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [located.problem(at, f"{what} {display_path(file)} is unreadable ({exc})")]
    renderer = Renderer(what, SIMULATOR_VARIABLES, file.resolve().parent)
    return template_problems(located, at, text, name, renderer)


def template_problems(located: Located, at: KeyPath, text: str, name: str | None, renderer: Renderer) -> list[Problem]:
    """Syntax (as the sandbox compiles it), variables the renderer does not provide, includes it cannot find."""
    shown = f"{renderer.what} {name!r}" if name else renderer.what
    try:
        tree = _ENV.parse(text)
        _ENV.compile(tree)
    except jinja2.TemplateSyntaxError as exc:
        return [
            located.problem(
                at, f"{shown} line {exc.lineno}: jinja2 syntax error: {exc.message} (expected a template that compiles)"
            )
        ]
    problems = []
    unknown = sorted(_unguarded_names(tree) - renderer.variables)
    if unknown:
        names = ", ".join(unknown)
        problems.append(
            located.problem(
                at,
                f"{shown} uses {names}, which the {renderer.what.split()[0]} does not "
                f"provide, so every render fails (expected one of: "
                f"{', '.join(sorted(renderer.variables))}, or a '| default(...)')",
            )
        )
    for ref in meta.find_referenced_templates(tree):
        if ref is not None and (renderer.loader_dir is None or not (renderer.loader_dir / ref).is_file()):
            where = display_path(renderer.loader_dir) if renderer.loader_dir else "nowhere (no template folder)"
            problems.append(
                located.problem(
                    at,
                    f"{shown} includes {ref!r}, which is not found in {where} "
                    "(expected a template the renderer can load)",
                )
            )
    return problems


def _unguarded_names(tree: nodes.Template) -> set[str]:
    """Variables read but never assigned, minus jinja2's globals and those guarded by `default` / `is defined`."""
    guarded = {f.node.name for f in tree.find_all(nodes.Filter) if f.name in _GUARDS and isinstance(f.node, nodes.Name)}
    guarded |= {t.node.name for t in tree.find_all(nodes.Test) if t.name in _TESTS and isinstance(t.node, nodes.Name)}
    return set(meta.find_undeclared_variables(tree)) - guarded - set(_ENV.globals)


def _check_problems(located: Located, checks: list[tuple[KeyPath, Any]]) -> list[Problem]:
    """Each `json_schema` check's schema must be a valid schema for the validator the check runs with."""
    problems = []
    for at, raw in checks:
        spec = _dict(_dict(raw).get("json_schema"))
        schema = spec.get("schema")
        if not isinstance(schema, dict):
            continue
        try:
            jsonschema.validators.validator_for(schema).check_schema(schema)
        except jsonschema.SchemaError as exc:
            inside = "/".join(str(p) for p in exc.path)
            where = f" at {inside}" if inside else ""
            message = f"not a valid JSON Schema{where}: {exc.message} (expected a schema jsonschema accepts)"
            problems.append(located.problem((*at, "json_schema", "schema", *exc.path), message))
    return problems


def _missing(located: Located, at: KeyPath, what: str, file: Path, relative_to: str) -> Problem:
    return located.problem(at, f"{what} {display_path(file)} not found (expected a path relative to {relative_to})")


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
