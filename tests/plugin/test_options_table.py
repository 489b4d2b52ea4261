"""The option table (evalkit.options) drives every route: each setting set on each route reaches the plugin's
settings, RunConfig and HubConfig under one name; precedence is flag > environment > ini > [tool.evalkit] >
default; unknown keys and bad values are one-line usage errors naming where they came from."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from evalkit.options import BY_NAME, OPTIONS, Option
from evalkit.options.docs import with_table
from evalkit.plugin.commands import pytest_args, run_command
from evalkit.plugin.options import PluginSettings, resolve_settings
from evalkit.run import RunConfig

ROOT = Path(__file__).resolve().parents[2]
TEXT = {  # a valid value as text (flag, environment, ini) and as TOML, for every kind of row
    int: ("3", "3"),
    float: ("0.5", "0.5"),
    Path: ("some/dir", '"some/dir"'),
    list: ("mock:a,mock:b", '["mock:a", "mock:b"]'),
    dict: ("openai=http://127.0.0.1:9/v1", '{openai = "http://127.0.0.1:9/v1"}'),
}
SPECIAL = {
    "agent": ("pkg.mod:make", '"pkg.mod:make"'),
    "simulator_model": ("mock:sim", '"mock:sim"'),
    "judge_model": ("mock:judge", '"mock:judge"'),
    "executor": ("local", '"local"'),
    "ray_address": ("auto", '"auto"'),
    "resume": ("latest", '"latest"'),
    "timeout_s": ("7.5", "7.5"),
}


def sample(option: Option) -> tuple[str, str]:
    """(text, TOML) of a value the option accepts; a boolean is the opposite of its default, so setting it shows."""
    if option.name in SPECIAL:
        return SPECIAL[option.name]
    if option.kind is bool:
        return ("false", "false") if option.default else ("true", "true")
    return TEXT[option.kind]


def expected(option: Option, root: Path, base: Path) -> Any:
    text, _ = sample(option)
    if option.kind is Path:
        return (base / text).resolve()
    if option.name == "suites":
        return [(base / p).resolve() for p in text.split(",")]
    return option.check(text)


def flag_args(option: Option, text: str) -> list[str]:
    """The pytest flag for a value: a switch has no value (--evalkit-live, --evalkit-no-cache)."""
    if option.kind is bool and text == "false":
        return [f"--evalkit-no-{option.flag[2:]}"]
    return [option.pytest_flag] if option.switch else [f"{option.pytest_flag}={text}"]


def settings_from(pytester: pytest.Pytester, *args: str) -> PluginSettings:
    return resolve_settings(pytester.parseconfig(*args))


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for option in OPTIONS:
        if option.env_var:
            monkeypatch.delenv(option.env_var, raising=False)
    return monkeypatch


ROUTES = ("pytest flag", "evalkit run", "environment", "ini", "pyproject")


def settable(option: Option, route: str) -> bool:
    """Whether the table lets `route` set `option` (no variable, not in files, or `evalkit run`'s arguments)."""
    if route == "environment":
        return bool(option.env_var)
    if route in ("ini", "pyproject"):
        return bool(option.files)
    return route != "evalkit run" or bool(option.cli)


SETTABLE = [
    pytest.param(option, route, id=f"{option.name}-{route}")
    for route in ROUTES
    for option in OPTIONS
    if settable(option, route)
]


def test_every_option_is_settable_somewhere() -> None:
    assert {option.name for option, _ in (p.values for p in SETTABLE)} == {o.name for o in OPTIONS}


@pytest.mark.parametrize(("option", "route"), SETTABLE)
def test_each_route_sets_each_option(
    pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch, option: Option, route: str
) -> None:
    text, toml = sample(option)
    args: list[str] = []
    if route == "pytest flag":
        args = flag_args(option, text)
    elif route == "evalkit run":
        flag = f"--no-{option.flag[2:]}" if option.kind is bool and text == "false" else option.flag
        ctx = run_command.make_context("run", [flag] if option.kind is bool else [flag, text])
        args = [a for a in pytest_args((), ctx.params, ()) if a.startswith("--evalkit-") and "suites" not in a]
    elif route == "environment":
        clean_env.setenv(str(option.env_var), text)
    elif route == "ini":
        pytester.makeini(f"[pytest]\n{option.dest} = {text.replace(',', ' ') if option.kind is list else text}\n")
    else:
        pytester.makepyprojecttoml(f"[tool.evalkit]\n{option.name} = {toml}\n")
    settings = settings_from(pytester, *args)
    base = Path.cwd() if route in ("pytest flag", "evalkit run", "environment") else pytester.path
    want = expected(option, pytester.path, base)
    if option.name == "resume":
        assert settings.resume == "latest"
        return
    assert getattr(settings, option.name) == want
    assert_lands(option, settings, want)


def assert_lands(option: Option, settings: PluginSettings, want: Any) -> None:
    """The value reaches the RunConfig field and the HubConfig field the table names for it."""
    if option.run is None:
        return
    config = RunConfig.from_options(settings.run_values())
    assert dotted(config, option.run) == want
    if option.hub:
        assert dotted(config.hub_config(), option.hub) == want


def dotted(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
    return obj


@pytest.mark.parametrize(
    ("name", "flag", "env", "ini", "toml", "default"),
    [
        ("trials", "1", "2", "3", "4", None),
        ("cache", "true", "false", "true", "false", True),
        ("report_dir", "from-flag", "from-env", "from-ini", '"from-toml"', "reports"),
    ],
)
def test_precedence_is_flag_then_environment_then_ini_then_pyproject_then_default(
    pytester: pytest.Pytester,
    clean_env: pytest.MonkeyPatch,
    name: str,
    flag: str,
    env: str,
    ini: str,
    toml: str,
    default: Any,
) -> None:
    option = BY_NAME[name]
    pytester.makepyprojecttoml(f"[tool.evalkit]\n{name} = {toml}\n")
    ini_file = pytester.makeini(f"[pytest]\n{option.dest} = {ini}\n")
    var = str(option.env_var)
    clean_env.setenv(var, env)

    def value(*args: str) -> Any:
        got = getattr(settings_from(pytester, *args), name)
        return got.name if isinstance(got, Path) else got

    def text(raw: str) -> Any:
        return Path(raw.strip('"')).name if option.kind is Path else option.check(raw.strip('"'))

    assert value(*flag_args(option, flag)) == text(flag)
    assert value() == text(env)
    clean_env.delenv(var)
    assert value() == text(ini)
    ini_file.unlink()
    assert value() == text(toml)
    pytester.makepyprojecttoml("[tool.evalkit]\n")
    assert value() == (Path(default).name if option.kind is Path else default)


def test_tables_merge_provider_by_provider(pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch) -> None:
    pytester.makepyprojecttoml('[tool.evalkit.base_urls]\nopenai = "http://toml/v1"\nanthropic = "http://toml/a"\n')
    clean_env.setenv("EVALKIT_BASE_URLS", "anthropic=http://env/a")
    settings = settings_from(pytester, "--evalkit-base-url=openai=http://flag/v1")  # the old spelling still works
    assert settings.base_urls == {"openai": "http://flag/v1", "anthropic": "http://env/a"}


def test_old_spellings_keep_working(pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch) -> None:
    assert settings_from(pytester, "--evalkit-no-cache").cache is False
    assert settings_from(pytester, "--evalkit-no-progress").progress is False
    pytester.makepyprojecttoml("[tool.evalkit]\nno_cache = true\n")
    settings = settings_from(pytester)
    assert settings.cache is False and RunConfig.from_options(settings.run_values()).hub_config().no_cache
    assert settings_from(pytester, "--evalkit-cache").cache is True  # a flag beats the file's old key
    ctx = run_command.make_context("run", ["--no-cache", "--base-url", "openai=http://x/v1", "--concurrency", "3"])
    args = pytest_args((), ctx.params, ())
    assert {"--evalkit-no-cache", "--evalkit-base-urls=openai=http://x/v1", "--evalkit-concurrency=3"} <= set(args)
    clean_env.setenv("EVALKIT_LIVE", "1")
    assert settings_from(pytester).live and not settings_from(pytester, "--evalkit-no-live").live


PYPROJECT = """\
[project]
name = "x"
trails = "a [project] key of the same name must not be taken for ours"

[tool.evalkit]
{line}
"""


def run_pytest(pytester: pytest.Pytester) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"],
        cwd=pytester.path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("trails = 3", "evalkit trails ({path}:6 [tool.evalkit]): unknown key; did you mean 'trials'?"),
        (
            "judge_modle = 'mock:j'",
            "evalkit judge_modle ({path}:6 [tool.evalkit]): unknown key; did you mean 'judge_model'?",
        ),
        ("histroy = false", "evalkit histroy ({path}:6 [tool.evalkit]): unknown key; did you mean 'history'?"),
        ("zzz = 1", "evalkit zzz ({path}:6 [tool.evalkit]): unknown key; expected one of adaptive, "),
        (
            "live = true",
            "evalkit live ({path}:6 [tool.evalkit]): not a [tool.evalkit] key; live is set per run "
            "(--evalkit-live or EVALKIT_LIVE)",
        ),
        ("trials = 0", "evalkit trials ({path}:6 [tool.evalkit]): expected an integer >= 1, got 0"),
        ("executor = 'spark'", "evalkit executor ({path}:6 [tool.evalkit]): expected one of local, ray, got 'spark'"),
    ],
)
def test_bad_pyproject_keys_stop_pytest_with_one_line(
    pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch, line: str, message: str
) -> None:
    pytester.makepyprojecttoml(PYPROJECT.format(line=line))
    (pytester.path / "suites").mkdir()
    code, out = run_pytest(pytester)
    assert code == pytest.ExitCode.USAGE_ERROR
    assert message.format(path=pytester.path / "pyproject.toml") in out
    assert "Traceback" not in out and len([x for x in out.splitlines() if "evalkit" in x]) == 1


@pytest.mark.parametrize("option", [o for o in OPTIONS if o.files], ids=lambda o: o.name)
def test_every_file_key_with_a_wrong_type_names_its_line_and_what_was_expected(
    pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch, option: Option
) -> None:
    wrong = "5" if option.kind in (str, Path, list, dict, bool) else '"lots"'
    pytester.makepyprojecttoml(PYPROJECT.format(line=f"{option.name} = {wrong}"))
    with pytest.raises(pytest.UsageError) as info:
        settings_from(pytester)
    shown = "5" if wrong == "5" else "'lots'"
    assert str(info.value) == (
        f"evalkit {option.name} ({pytester.path / 'pyproject.toml'}:6 [tool.evalkit]): "
        f"expected {option.expected()}, got {shown}"
    )


@pytest.mark.parametrize(
    ("var", "value", "message"),
    [
        ("EVALKIT_RPM", "lots", "evalkit rpm (EVALKIT_RPM): expected an integer >= 1, got 'lots'"),
        ("EVALKIT_LIVE", "maybe", "evalkit live (EVALKIT_LIVE): expected true or false, got 'maybe'"),
        (
            "EVALKIT_BASE_URLS",
            "openai",
            "evalkit base_urls (EVALKIT_BASE_URLS): expected a table of strings, or PROVIDER=URL pairs, got 'openai'",
        ),
    ],
)
def test_a_bad_environment_variable_names_itself(
    pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch, var: str, value: str, message: str
) -> None:
    clean_env.setenv(var, value)
    with pytest.raises(pytest.UsageError, match=re.escape(message)):
        settings_from(pytester)


def test_a_bad_ini_value_names_the_file_and_key(pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch) -> None:
    ini = pytester.makeini("[pytest]\nevalkit_trials = none\n")
    with pytest.raises(
        pytest.UsageError,
        match=re.escape(f"evalkit trials ({ini} evalkit_trials): expected an integer >= 1, got 'none'"),
    ):
        settings_from(pytester)


def test_keys_other_modules_read_are_known(pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch) -> None:
    """`history` is checked by evalkit.history.target (its own error); the table only must not call it unknown."""
    pytester.makepyprojecttoml('[tool.evalkit]\nhistory = "ci/history.db"\ntrials = 2\n')
    assert settings_from(pytester).trials == 2


def test_the_docs_table_is_generated_from_the_table() -> None:
    docs = (ROOT / "docs" / "pytest_plugin.md").read_text(encoding="utf-8")
    assert with_table(docs) == docs, "stale: run python -m evalkit.options.docs docs/pytest_plugin.md"
    for option in OPTIONS:
        assert f"| `{option.name}`" in docs or f"| {option.name} (not in files" in docs


def test_the_table_is_importable_without_the_engine() -> None:
    """The plugin builds its options from the table on every pytest run: no pydantic, no SDKs."""
    heavy = ("pydantic", "openai", "anthropic", "evalkit.run", "evalkit.llm")
    code = (
        "import sys, evalkit.options, evalkit.limit_options, evalkit.plugin.options; "
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_evalkit_run_stops_with_the_same_one_line(pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch) -> None:
    """`evalkit run` hands its flags to the plugin, so its errors are the plugin's (exit 4, one line, no run)."""
    (pytester.path / "suites").mkdir()
    pytester.makepyprojecttoml("[tool.evalkit]\nrpm = 10\n")
    evalkit = Path(sys.executable).with_name("evalkit")
    bad_flag = subprocess.run(
        [str(evalkit), "run", "suites", "--trials", "0"], cwd=pytester.path, capture_output=True, text=True, timeout=120
    )
    assert bad_flag.returncode == 4
    assert "evalkit trials (--evalkit-trials): expected an integer >= 1, got '0'" in bad_flag.stderr
    pytester.makepyprojecttoml("[tool.evalkit]\nrmp = 10\n")
    bad_key = subprocess.run(
        [str(evalkit), "run", "suites"], cwd=pytester.path, capture_output=True, text=True, timeout=120
    )
    assert bad_key.returncode == 4 and "Traceback" not in bad_key.stderr
    assert [line for line in bad_key.stderr.splitlines() if "evalkit" in line] == [
        f"ERROR: evalkit rmp ({pytester.path / 'pyproject.toml'}:2 [tool.evalkit]): unknown key; did you mean 'rpm'? "
        "(keys: docs/pytest_plugin.md#options)"
    ]
    assert not (pytester.path / "reports").exists()
