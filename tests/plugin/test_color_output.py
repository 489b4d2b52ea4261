"""evalkit's own terminal output follows pytest's colour decision: `--color=no`, NO_COLOR and PY_COLORS=0 leave no
escape sequence in it, also on a terminal (where the progress display would otherwise be a live one), and
`--color=yes` forces colour where there is no terminal. The run is a real pytest process; the terminal is a
pseudo-terminal, so the plugin sees a TTY as it would in a developer's shell."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest
from plugin_helpers import TINY_SUITE, Project

ESC = "\x1b"
CLEAN_ENV = (
    "CI",
    "GITHUB_ACTIONS",
    "BUILDKITE",
    "GITLAB_CI",
    "JENKINS_URL",
    "NO_COLOR",
    "PY_COLORS",
    "FORCE_COLOR",
    "COLUMNS",
    "LINES",
    "EVALKIT_LIVE",
    "GITHUB_STEP_SUMMARY",
    "PYTEST_ADDOPTS",
    "TERM",
)


def run_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    return {**env, "TERM": "xterm-256color", **extra}


def run_in_terminal(cwd: Path, args: list[str], env: dict[str, str], timeout: float = 180.0) -> str:
    """pytest with stdin, stdout and stderr on a pseudo-terminal; everything it wrote, raw."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", *args],
        cwd=cwd,
        env=env,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        close_fds=True,
    )
    os.close(slave)
    out = bytearray()
    try:
        while True:
            ready, _, _ = select.select([master], [], [], timeout)
            if not ready:
                raise AssertionError(f"pytest in a terminal gave no output for {timeout}s: {out.decode()[-2000:]}")
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
    finally:
        proc.wait(timeout=60)
        os.close(master)
    return out.decode("utf-8", "replace")


def run_piped(cwd: Path, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180
    )


@pytest.fixture
def tiny(project: Project) -> Path:
    """A suite that runs for free (a Python agent, deterministic checks), so progress and a summary are shown."""
    project.suite(TINY_SUITE)
    return project.path


ARGS = ["suites", "-p", "no:cacheprovider", "-p", "no:xdist"]


def test_a_terminal_without_colour_flags_gets_colour_and_the_live_display(tiny: Path) -> None:
    """The control: on a pseudo-terminal the plugin does colour (so the tests below are about the flags)."""
    out = run_in_terminal(tiny, ARGS, run_env())
    assert "run verdict: FAIL" in out
    assert ESC in out


@pytest.mark.parametrize("how", ["--color=no", "NO_COLOR=1", "PY_COLORS=0"])
def test_colour_off_leaves_no_escape_sequence_on_a_terminal(tiny: Path, how: str) -> None:
    flags, env = ([how], run_env()) if how.startswith("--") else ([], run_env(**dict([how.split("=")])))
    out = run_in_terminal(tiny, ARGS + flags, env)
    assert "run verdict: FAIL" in out and "evalkit scenarios" in out
    assert "sessions decided" in out  # the progress was shown, as plain lines
    assert ESC not in out, [line for line in out.splitlines() if ESC in line][:5]


def test_color_yes_forces_colour_without_a_terminal(tiny: Path) -> None:
    forced = run_piped(tiny, [*ARGS, "--color=yes"], run_env())
    verdict = next(line for line in forced.stdout.splitlines() if "run verdict:" in line)
    assert verdict.startswith(ESC) and "run verdict: FAIL" in verdict
    plain = run_piped(tiny, ARGS, run_env())
    assert "run verdict: FAIL" in plain.stdout and ESC not in plain.stdout + plain.stderr
