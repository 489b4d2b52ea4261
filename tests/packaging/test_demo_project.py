"""The packaged demo project (evalkit/demo/project) and `evalkit demo`'s defaults.

The demo carries its own copies of the rubrics and personas it uses, so it runs wherever evalkit is
installed; one id@version must still mean one rubric everywhere, so its lock agrees with the
repository's, and its personas are the repository's.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from evalkit.cli import main
from evalkit.demo import PROJECT, SUITE_DIR
from evalkit.demo.commands import demo_options
from evalkit.spec import find_project_root, load_suite
from evalkit.spec.lockfile import LOCK_NAME, read_lock

ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_suite_resolves_inside_its_own_project() -> None:
    suite = SUITE_DIR / "support.yaml"
    assert find_project_root(suite) == PROJECT  # never a project that happens to sit above site-packages
    loaded = load_suite(suite)
    assert all(Path(r.path).is_relative_to(PROJECT) for r in loaded.rubrics.values())
    assert loaded.suite.agent_config.target == "evalkit.demo.support_agent:make_agent"


def test_packaged_rubrics_are_locked_and_mean_what_the_repository_lock_says() -> None:
    result = CliRunner().invoke(main, ["rubrics", "check", "--root", str(PROJECT)])
    assert result.exit_code == 0, result.output
    packaged = read_lock(PROJECT / "rubrics" / LOCK_NAME)
    repository = read_lock(ROOT / "rubrics" / LOCK_NAME)
    assert packaged and {ref: repository.get(ref) for ref in packaged} == packaged


def test_packaged_personas_are_the_repository_personas() -> None:
    packaged = sorted((PROJECT / "personas").glob("*.yaml"))
    assert packaged
    for path in packaged:
        assert yaml.safe_load(path.read_text()) == yaml.safe_load((ROOT / "personas" / path.name).read_text()), path


def test_demo_defaults_to_offline_and_the_current_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    options = demo_options({"offline": None, "report_dir": None, "cache_dir": None, "trials": 1}, env={})
    assert options == {
        "offline": True,
        "report_dir": str(tmp_path / "reports"),
        "cache_dir": str(tmp_path / ".evalkit" / "cache"),
        "trials": 1,
    }


def test_flags_and_environment_win_over_the_demo_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    flags = demo_options({"offline": False, "report_dir": "out", "cache_dir": None}, env={})
    assert flags["offline"] is False and flags["report_dir"] == "out"
    env = {"EVALKIT_OFFLINE": "false", "EVALKIT_REPORT_DIR": "elsewhere", "EVALKIT_CACHE_DIR": "c"}
    assert demo_options({"offline": None, "report_dir": None, "cache_dir": None}, env=env) == {
        "offline": None,
        "report_dir": None,
        "cache_dir": None,
    }  # left for the plugin to read from the environment


def test_demo_takes_no_suites() -> None:
    result = CliRunner().invoke(main, ["demo", "suites/mine"])
    assert result.exit_code == 2
    assert "evalkit demo runs the packaged demo suite and takes no SUITES (got 'suites/mine')" in result.output
