"""Code health rules that hold between CI's ruff and mypy runs (issue #15).

mypy itself stays out of pytest (it takes ~40 s cold); .ci/run runs it. These tests pin what a type checker
cannot see for itself: that every silenced error says which one and why, that the model seam stays typed,
and that ruff's configuration is the one CI runs.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "evalkit"

# `# type: ignore[code, code]  # reason`: a code list, then a comment that says why
_IGNORE = re.compile(r"#\s*type:\s*ignore\b(?P<codes>\[[^\]]*\])?(?P<rest>.*)$")
_REASON = re.compile(r"^\s*#\s*\S.{3,}")


def ignore_problems(path: Path, text: str) -> list[str]:
    """`file:line: what is wrong` for each `type: ignore` without an error code or without a reason."""
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        match = _IGNORE.search(line)
        if match is None:
            continue
        where = f"{path}:{number}"
        codes = (match["codes"] or "").strip("[]").strip()
        if not codes:
            problems.append(f"{where}: `type: ignore` names no error code (expected e.g. type: ignore[attr-defined])")
        elif not _REASON.match(match["rest"]):
            problems.append(f"{where}: `type: ignore[{codes}]` gives no reason (expected `  # why` after it)")
    return problems


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_type_ignore_names_its_code_and_reason() -> None:
    problems = [p for path in _sources() for p in ignore_problems(path.relative_to(ROOT), path.read_text("utf-8"))]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("line", "verdict"),
    [
        ("x = f()  # type: ignore", "names no error code"),
        ("x = f()  # type: ignore  # the SDK is untyped", "names no error code"),
        ("x = f()  # type: ignore[attr-defined]", "gives no reason"),
        ("x = f()  # type: ignore[attr-defined]  #", "gives no reason"),
        ("x = f()  # type:ignore[arg-type,misc]", "gives no reason"),
        ("x = f()  # type: ignore[attr-defined]  # pytest's Item has no such attribute", None),
    ],
)
def test_the_ignore_rule_reads_lines_as_described(line: str, verdict: str | None) -> None:
    problems = ignore_problems(Path("m.py"), f"import os\n{line}\n")
    if verdict is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problems[0].startswith("m.py:2: ") and verdict in problems[0]


def _annotations(tree: ast.AST) -> list[tuple[int, str, str]]:
    """(line, name, annotation source) of every annotated parameter, attribute and variable."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.arg) and node.annotation is not None:
            found.append((node.lineno, node.arg, ast.unparse(node.annotation)))
        elif isinstance(node, ast.AnnAssign):
            target = ast.unparse(node.target)
            found.append((node.lineno, target.rsplit(".", 1)[-1], ast.unparse(node.annotation)))
    return found


def test_the_model_seam_stays_typed() -> None:
    """Everything that holds the hub names a type for it (ModelSource, or ModelHub inside llm/), never Any."""
    untyped = [
        f"{path.relative_to(ROOT)}:{line}: {name}: {annotation}"
        for path in _sources()
        for line, name, annotation in _annotations(ast.parse(path.read_text("utf-8")))
        if (name == "hub" or name.endswith("_hub")) and re.search(r"\bAny\b|\bobject\b", annotation)
    ]
    assert not untyped, "the model hub is typed as ModelSource (evalkit/llm/source.py):\n" + "\n".join(untyped)


def test_a_work_item_knows_its_suite_type() -> None:
    from evalkit.run.plan import WorkItem
    from evalkit.spec.suites import LoadedSuite

    field = WorkItem.__dataclass_fields__["suite"]
    assert field.type in ("LoadedSuite", LoadedSuite)


def test_ruff_config_is_the_one_ci_runs() -> None:
    """pyproject's ruff settings: the target and line length the formatter uses, and the rule families CI lints."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    ruff = config["tool"]["ruff"]
    assert ruff["target-version"] == "py311" and ruff["line-length"] == 120
    selected = set(ruff["lint"]["select"])
    assert {"E", "F", "W", "B", "UP", "I", "SIM", "RUF"} <= selected
    mypy = config["tool"]["mypy"]
    assert mypy["files"] == ["evalkit"] and mypy["warn_unused_ignores"] and mypy["python_version"] == "3.11"
    dev = " ".join(config["project"]["optional-dependencies"]["dev"])
    assert "ruff" in dev and "mypy" in dev


def _ruff() -> list[str]:
    exe = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if exe is None:
        pytest.skip("ruff is not installed (pip install -e '.[dev]')")
    return [exe]


@pytest.mark.parametrize(
    "rule",
    [
        "B905",  # zip() without strict=: say whether the lengths must match
        "BLE001",  # a broad except in evalkit says why (noqa: BLE001 - reason)
        "E741",  # ambiguous names (l, O, I)
        "B023",  # a closure over a loop variable
        "PGH",  # blanket type: ignore / noqa
    ],
)
def test_ruff_reports_no_finding_of_the_hand_fixed_rules_in_evalkit(rule: str) -> None:
    """The rules fixed by hand (not by `ruff check --fix`) stay fixed: one fast ruff call per rule family."""
    result = subprocess.run(
        [*_ruff(), "check", "--no-cache", "--output-format", "concise", "--select", rule, "evalkit"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_flags_what_the_config_says_it_flags(tmp_path: Path) -> None:
    """The per-rule test above would pass vacuously if ruff read no config: a planted finding proves it reads it."""
    planted = tmp_path / "evalkit_planted.py"
    planted.write_text("def f(a, b):\n    return list(zip(a, b))\n", encoding="utf-8")
    result = subprocess.run(
        [
            *_ruff(),
            "check",
            "--no-cache",
            "--config",
            str(ROOT / "pyproject.toml"),
            "--output-format",
            "concise",
            str(planted),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1 and "B905" in result.stdout, result.stdout + result.stderr


def test_an_unknown_scenario_is_a_key_error_naming_the_suite() -> None:
    """Found by mypy (issue #15): the lookup's error named `Suite.name`, which does not exist."""
    from evalkit.spec.models import Suite
    from evalkit.spec.suites import LoadedSuite

    data = {"suite": "billing", "agent": "pkg.mod:make", "scenarios": [{"id": "upgrade", "goal": "Upgrade the plan."}]}
    suite = Suite.model_validate(data)
    loaded = LoadedSuite(path=Path("suites/billing.yaml"), suite=suite, file_hash="0", scenarios=suite.scenarios)
    assert loaded.rubrics_for("upgrade") == []
    with pytest.raises(KeyError, match="suite 'billing' has no scenario 'refund'"):
        loaded.rubrics_for("refund")


def test_ci_runs_the_code_health_steps_before_the_tests() -> None:
    """Acceptance of #15: `.ci/run` runs ruff (lint and format) and mypy, and fails before the tests when one fails."""
    script = (ROOT / ".ci" / "run").read_text("utf-8")
    lines = [line.strip() for line in script.splitlines() if not line.strip().startswith("#")]
    steps_line = next(line for line in lines if line.startswith("for step in"))
    assert all(step in steps_line for step in ('"ruff check ."', '"ruff format --check ."', '"mypy"'))
    first_pytest = next(i for i, line in enumerate(lines) if re.match(r"^(CI=true )?pytest\b", line))
    assert lines.index(steps_line) < first_pytest
    loop_body = lines[lines.index(steps_line) : lines.index(steps_line) + 4]
    assert any("exit 1" in line for line in loop_body), "a failing step must stop CI"


def test_ci_runs_the_readme_test_command() -> None:
    """CI is the README's "Run the tests" line: its pytest command (with its xdist flags) and its install's extras."""
    readme = (ROOT / "README.md").read_text("utf-8")
    block = re.search(r"\*\*Run the tests:\*\*\s*```bash\n(.+?)\n```", readme, re.S)
    assert block, "README has a 'Run the tests' command block"
    parts = [part.strip() for part in block.group(1).split("&&")]
    install = next(p for p in parts if p.startswith("pip install"))
    test = next(p for p in parts if p.startswith("pytest"))
    script = [line.strip() for line in (ROOT / ".ci" / "run").read_text("utf-8").splitlines()]
    assert test in script, f"CI's first pytest line is not the README's {test!r}"
    extras = re.search(r"\[(.+?)\]", install)
    ci_install = next(line for line in script if line.startswith("pip install -e"))
    assert extras and set(extras.group(1).split(",")) <= set(re.search(r"\[(.+?)\]", ci_install).group(1).split(","))
