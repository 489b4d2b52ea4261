"""Load mock rules from YAML so suites can ship the rules of their offline run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from evalkit.llm.mock_rules import Rule


class RulesFileError(ValueError):
    """A rules file is malformed; the message names file, line and key."""


def load_rules(path: str | Path) -> list[Rule]:
    """Read a YAML list of rules (or a mapping with a `rules:` list).

    Raises:
        RulesFileError: one line per problem, ``file:line: rules[i].key: message``.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except OSError as exc:
        raise RulesFileError(f"{path}: cannot read rules file: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise RulesFileError(f"{path}:1: not valid UTF-8 ({exc.reason}); save the file as UTF-8") from None
    except yaml.YAMLError as exc:  # syntax, and tags safe_load will not construct
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise RulesFileError(f"{path}:{line}: invalid YAML: {getattr(exc, 'problem', exc)}") from None
    items, nodes = _rule_items(path, root, data)
    rules, problems = [], []
    for index, (item, node) in enumerate(zip(items, nodes, strict=True)):
        try:
            rules.append(Rule.model_validate(item))
        except ValidationError as exc:
            for err in exc.errors():
                key = ".".join(str(p) for p in err["loc"]) or "(rule)"
                problems.append(f"{path}:{node.start_mark.line + 1}: rules[{index}].{key}: {err['msg']}")
    if problems:
        raise RulesFileError("\n".join(problems))
    return rules


def _rule_items(path: Path, root: Any, data: Any) -> tuple[list[Any], list[Any]]:
    if isinstance(data, dict) and "rules" in data:
        node = next(v for k, v in root.value if k.value == "rules")
        data = data["rules"]
    else:
        node = root
    if not isinstance(data, list) or node is None:
        raise RulesFileError(f"{path}:1: expected a list of rules (or a mapping with `rules:`)")
    return data, list(node.value)
