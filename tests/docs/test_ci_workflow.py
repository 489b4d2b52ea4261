"""docs/ci.md's GitHub Actions workflow is the file users copy, and it would run as documented.

The workflow is read from the doc's fenced block and from docs/ci/evalkit.yml (they must be the
same text), then checked as GitHub and evalkit would read it: its triggers and steps, every
`pytest` / `evalkit` command line against the options the installed tools really accept (their
`--help`, run in a subprocess) and evalkit's option table (values too), the cached paths against
evalkit's default cache directory and the cassettes the commands write, and no secret inlined.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from evalkit.options import OPTIONS, Option
from evalkit.options.table import BY_NAME
from evalkit.spec.project import persona_dirs, rubric_dirs

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "ci.md"
EXAMPLE = ROOT / "docs" / "ci" / "evalkit.yml"
SECRET_EXPRESSION = re.compile(r"^\$\{\{\s*secrets\.[A-Za-z0-9_]+\s*\}\}$")
SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL", re.IGNORECASE)
KEY_SHAPES = re.compile(r"sk-[A-Za-z0-9_-]{8,}|sk-ant-|gh[pousr]_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16}|xox[bp]-")
EXPRESSION = re.compile(r"\$\{\{.*?\}\}")


def fenced_workflow(markdown: str) -> str:
    """The one ```yaml block of the doc that is a workflow (has `jobs:`)."""
    blocks = [b for b in re.findall(r"^```yaml\n(.*?)^```$", markdown, re.M | re.S) if re.search(r"^jobs:", b, re.M)]
    assert len(blocks) == 1, f"expected one workflow block in {DOC}, found {len(blocks)}"
    return blocks[0]


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [s for job in workflow["jobs"].values() for s in job["steps"]]


def command_lines(step: dict[str, Any]) -> list[list[str]]:
    """Each shell command of a step's `run`, as argv (continuations joined, comments dropped)."""
    script = re.sub(r"\\\n\s*", " ", step.get("run", ""))
    return [argv for line in script.splitlines() if (argv := shlex.split(EXPRESSION.sub("X", line), comments=True))]


def tool_commands(workflow: dict[Any, Any], tool: str) -> list[tuple[dict[str, Any], list[str]]]:
    return [(s, argv) for s in steps(workflow) for argv in command_lines(s) if argv[0] == tool]


def uses(workflow: dict[Any, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in steps(workflow) if str(s.get("uses", "")).split("@")[0] == action]


def help_options(*argv: str, cwd: Path) -> set[str]:
    """Long options a tool's `--help` lists, from a subprocess (the installed plugin's, not a copy)."""
    done = subprocess.run([sys.executable, *argv, "--help"], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", done.stdout))


def option_for(flag: str) -> tuple[Option, bool] | None:
    """The option table's row for a `--evalkit-*` flag, and whether the flag takes a value."""
    for option in OPTIONS:
        names = {option.pytest_flag, *("--evalkit-" + a.replace("_", "-") for a in option.aliases)}
        if flag in names or (option.kind is bool and flag == "--evalkit-no-" + option.name.replace("_", "-")):
            negation = flag.startswith("--evalkit-no-")
            return option, not (option.switch or negation)
    return None


def flags(argv: list[str]) -> list[tuple[str, str | None]]:
    """(flag, value) for each long option of a command line (`--x=v`, `--x v` or a bare `--x`)."""
    out: list[tuple[str, str | None]] = []
    args = argv[1:]
    for i, arg in enumerate(args):
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            following = args[i + 1] if i + 1 < len(args) and not args[i + 1].startswith("-") else None
            out.append((name, value if eq else following))
    return out


def test_the_doc_shows_the_example_file_verbatim() -> None:
    assert fenced_workflow(DOC.read_text(encoding="utf-8")) == EXAMPLE.read_text(encoding="utf-8")


def test_triggers_jobs_and_steps(workflow: dict[Any, Any]) -> None:
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` key as true
    assert "pull_request" in on and on["push"] == {"branches": ["main"]}
    assert workflow["jobs"] and all(job.get("runs-on") and job["steps"] for job in workflow["jobs"].values())
    assert uses(workflow, "actions/checkout")
    [python] = uses(workflow, "actions/setup-python")
    assert python["with"]["cache"] == "pip"  # pip's downloads are cached between runs
    assert any(argv[:4] == ["python", "-m", "pip", "install"] for s in steps(workflow) for argv in command_lines(s))


def test_offline_on_pull_requests_live_on_main_with_a_cost_cap(workflow: dict[Any, Any]) -> None:
    runs = tool_commands(workflow, "pytest")
    pr = [(s, argv) for s, argv in runs if "pull_request" in s.get("if", "")]
    main = [(s, argv) for s, argv in runs if "push" in s.get("if", "")]
    assert pr and main and len(pr) + len(main) == len(runs)  # every evaluation runs on exactly one event
    for step, argv in pr:
        assert "--evalkit-offline" in argv and "--evalkit-live" not in argv
        assert not step.get("env")  # no key on pull requests (forks get none)
    for step, argv in main:
        assert "--evalkit-live" in argv and step.get("env")  # the keys, from secrets (test_no_secret_is_inlined)
        cap = dict(flags(argv)).get("--evalkit-max-cost")
        assert cap is not None and BY_NAME["max_cost"].check(cap) > 0
    for step, _ in runs:  # the exit status is the gate: nothing may swallow it
        assert not step.get("continue-on-error") and "|| true" not in step["run"] and "set +e" not in step["run"]


def test_every_command_line_uses_options_that_exist(workflow: dict[Any, Any], tmp_path: Path) -> None:
    pytest_known = help_options("-m", "pytest", "-p", "no:cacheprovider", cwd=tmp_path)
    assert "--evalkit-live" in pytest_known  # the help is the plugin's, loaded through its entry point
    checked = 0
    for _, argv in tool_commands(workflow, "pytest"):
        for flag, value in flags(argv):
            assert flag in pytest_known, f"{shlex.join(argv)}: pytest has no option {flag}"
            row = option_for(flag) if flag.startswith("--evalkit-") else None
            if flag.startswith("--evalkit-"):
                assert row is not None, f"{flag} is not in evalkit's option table"
                option, takes_value = row
                if takes_value:
                    assert value is not None, f"{flag} needs a value"
                    option.check(value)  # raises ValueError('expected ..., got ...')
                checked += 1
    cli = ("-c", "from evalkit.cli import main; main()")
    for _, argv in tool_commands(workflow, "evalkit"):
        command = [a for a in argv[1:] if not a.startswith("-")][:1]
        known = help_options(*cli, *command, cwd=tmp_path)
        for flag, _ in flags(argv):
            assert flag in known, f"{shlex.join(argv)}: evalkit {command[0]} has no option {flag}"
        checked += 1
    assert checked >= 5


def test_cached_paths_are_evalkits_cache_and_the_recorded_cassettes(workflow: dict[Any, Any]) -> None:
    [cache] = uses(workflow, "actions/cache")
    cached = [Path(p.strip()) for p in cache["with"]["path"].splitlines() if p.strip()]
    commands = [argv for _, argv in tool_commands(workflow, "pytest")]
    given_dirs = [v for argv in commands for f, v in flags(argv) if f == "--evalkit-cache-dir"]
    assert Path(given_dirs[0] if given_dirs else BY_NAME["cache_dir"].default) in cached
    cassettes = [v for argv in commands for f, v in flags(argv) if f in ("--evalkit-record", "--evalkit-replay")]
    assert cassettes, "main records a cassette"
    for cassette in cassettes:
        assert any(folder in Path(cassette).parents for folder in cached), f"{cassette} is not under a cached path"
    # keyed on the suite, rubric and persona files (a changed suite starts from its own cache)
    key = cache["with"]["key"]
    hashed = re.search(r"hashFiles\((.*?)\)", key)
    assert hashed is not None
    globs = {g.strip(" '\"") for g in hashed.group(1).split(",")}
    root = Path(".")
    suites = BY_NAME["suites"].default
    assert {f"{suites}/**", f"{rubric_dirs(root)[0].name}/**", f"{persona_dirs(root)[0].name}/**"} <= globs
    restore = [k.strip() for k in cache["with"]["restore-keys"].splitlines() if k.strip()]
    assert restore[0] == key.split("${{ github.run_id }}")[0]  # each run saves its own key, restores the newest


def test_run_directory_and_report_are_uploaded_always(workflow: dict[Any, Any]) -> None:
    uploads = uses(workflow, "actions/upload-artifact")
    assert uploads and all("always()" in u.get("if", "") for u in uploads)
    paths = [p.strip() for u in uploads for p in u["with"]["path"].splitlines() if p.strip()]
    assert any(p.endswith("/report.html") for p in paths)
    assert any(p.rstrip("/").endswith("RUN_DIR }}") for p in paths)  # the whole run directory
    finder = [s for s in steps(workflow) if "RUN_DIR=" in s.get("run", "")]
    assert finder and "always()" in finder[0].get("if", "")


def _found_run_dir(workflow: dict[Any, Any], workdir: Path) -> str:
    """Run the workflow's 'Find the run directory' step in `workdir`, as the runner's bash would."""
    [finder] = [s for s in steps(workflow) if "RUN_DIR=" in s.get("run", "")]
    env_file = workdir / "github_env"
    env_file.write_text("")
    subprocess.run(
        ["bash", "-e", "-c", finder["run"]], cwd=workdir, env={"GITHUB_ENV": str(env_file)}, check=True, timeout=30
    )
    [line] = env_file.read_text().splitlines()
    return line.removeprefix("RUN_DIR=")


def test_an_interrupted_run_is_the_one_uploaded(workflow: dict[Any, Any], tmp_path: Path) -> None:
    """A cancelled or timed-out job: the run started last never completed, so `latest` still names an older
    run (or nothing, on a fresh checkout); the step finds the interrupted run's directory all the same."""
    from evalkit.run.latest import mark_started
    from evalkit.run.run_dir import LATEST, MANIFEST, point_link

    reports = tmp_path / BY_NAME["report_dir"].default
    older, interrupted = reports / "20261201-000000-aaaa", reports / "20261202-000000-bbbb"
    for run in (older, interrupted):
        run.mkdir(parents=True)
        (run / MANIFEST).write_text("{}")
    point_link(reports, LATEST, older)
    mark_started(interrupted)
    assert (tmp_path / _found_run_dir(workflow, tmp_path)).resolve() == interrupted.resolve()


def test_with_no_run_the_whole_reports_directory_is_uploaded(workflow: dict[Any, Any], tmp_path: Path) -> None:
    (tmp_path / BY_NAME["report_dir"].default).mkdir()
    found = tmp_path / _found_run_dir(workflow, tmp_path)
    assert found.resolve() == (tmp_path / BY_NAME["report_dir"].default).resolve()


def _strings(node: Any, path: str = "") -> list[tuple[str, str]]:
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in _strings(v, f"{path}.{k}")]
    if isinstance(node, list):
        return [s for i, v in enumerate(node) for s in _strings(v, f"{path}[{i}]")]
    return [(path, str(node))]


def test_no_secret_is_inlined(workflow: dict[Any, Any]) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert not KEY_SHAPES.search(text)
    envs = [(k, v) for s in steps(workflow) for k, v in (s.get("env") or {}).items()]
    envs += [(k, v) for job in workflow["jobs"].values() for k, v in (job.get("env") or {}).items()]
    envs += list((workflow.get("env") or {}).items())
    secret_envs = [(k, v) for k, v in envs if SECRET_NAME.search(k)]
    assert secret_envs, "the live step reads its keys from the environment"
    assert all(SECRET_EXPRESSION.match(str(v)) for _, v in secret_envs), secret_envs
    for where, value in _strings(workflow):  # a secret is only ever read through the `secrets` context
        if "secrets." in value:
            assert SECRET_EXPRESSION.match(value), f"{where}: {value}"
        assert not re.search(r"--evalkit-[a-z-]*key", value), f"{where}: a key on the command line"
