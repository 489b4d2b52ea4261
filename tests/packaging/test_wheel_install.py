"""A regular install works like the editable one (#15 item 2): build the wheel, install it in a fresh
virtual environment, and run the README's demo command there, from a directory outside the repository.

Offline: the wheel is built with this environment's own setuptools (--no-build-isolation), installed
with --no-index --no-deps, and the fresh environment reaches evalkit's dependencies through a .pth
line naming this environment's site-packages, which Python appends after its own, so the installed
wheel is what `import evalkit` finds (a .pth line adds a directory without running the .pth files in
it, so the editable install's finder stays out). About 30 s on a quiet machine.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "evalkit" / "demo"


def _readme_demo_commands() -> list[str]:
    """The commands after the install in README's demo line (shape: venv && activate && pip install && <demo>)."""
    text = (ROOT / "README.md").read_text()
    block = text.split("**Run the demo**", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    [line] = [ln for ln in block.splitlines() if ln.strip()]
    parts = [p.strip() for p in re.split(r"&&|;", line)]
    install = next(i for i, p in enumerate(parts) if p.startswith("pip install"))
    assert parts[:install] == ["python3 -m venv .venv", ". .venv/bin/activate"], line
    return parts[install + 1 :]


def _readme_demo_exit_status() -> int:
    match = re.search(r"ends with exit status (\d)", (ROOT / "README.md").read_text())
    assert match, "README's demo paragraph says which exit status the demo ends with"
    return int(match[1])


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """evalkit's wheel, built from a copy of the sources (the shared tree gets no build/ or egg-info)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "evalkit", source / "evalkit", ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    out = work / "dist"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(out),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    [built] = out.glob("evalkit-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel installed and this environment's packages behind it."""
    home = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(home)], check=True, timeout=300)
    python = home / "bin" / "python"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site) / "_evalkit_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return home


def _env(venv: Path) -> dict[str, str]:
    """The user's shell after `. .venv/bin/activate`: no keys, no endpoints, no evalkit settings, no PYTHONPATH."""
    drop = ("_API_KEY", "_BASE_URL")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.endswith(drop) and not k.startswith(("EVALKIT_", "PYTEST_")) and k not in ("PYTHONPATH", "CI")
    }
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def test_the_wheel_carries_the_demo_and_no_examples_package(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    data = {
        str(p.relative_to(ROOT))
        for p in DEMO.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    }
    assert "evalkit/demo/support_agent/system_prompt.md" in data and "evalkit/demo/project/pyproject.toml" in data
    assert not data - names, f"demo files missing from the wheel: {sorted(data - names)}"
    assert not [n for n in names if n.startswith("examples/")]
    [top_level] = [n for n in names if n.endswith(".dist-info/top_level.txt")]
    assert zipfile.ZipFile(wheel).read(top_level).decode().split() == ["evalkit"]


def test_readme_demo_command_runs_from_a_regular_install(venv: Path, tmp_path: Path) -> None:
    env = _env(venv)
    python = str(venv / "bin" / "python")
    where = subprocess.run(
        [python, "-c", "import evalkit; print(evalkit.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(venv), where  # the wheel, not the repository or the editable install
    shadow = subprocess.run([python, "-c", "import examples"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert shadow.returncode != 0 and "No module named 'examples'" in shadow.stderr
    installed = Path(where).parent
    before = {p for p in installed.rglob("*") if "__pycache__" not in p.parts}

    demo, *after = _readme_demo_commands()
    run = subprocess.run(shlex.split(demo), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    out = run.stdout + run.stderr
    assert run.returncode == _readme_demo_exit_status(), out[-4000:]
    assert "agent setup failed" not in out and "PytestAssertRewriteWarning" not in out, out[-4000:]
    [run_dir] = [p for p in (tmp_path / "reports").iterdir() if p.is_dir() and not p.is_symlink()]
    assert f"evalkit: report {run_dir / 'report.html'}" in out and (run_dir / "report.html").is_file()
    assert (tmp_path / "reports" / "latest").resolve() == run_dir.resolve()
    trials = [json.loads(line) for line in (run_dir / "trials.jsonl").read_text().splitlines()]
    assert len(trials) == 36 and {t["outcome"] for t in trials} <= {"pass", "fail"}  # none errored or invalid
    strong = {t["outcome"] for t in trials if t["tier"] == "openai:gpt-4.1"}
    assert strong == {"pass"}  # the scripted strong tier passes; the weak one slips (README)
    assert {
        p for p in installed.rglob("*") if "__pycache__" not in p.parts
    } == before  # nothing written into the package

    for command in after:  # evalkit compare reports/latest
        compared = subprocess.run(
            shlex.split(command), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
        )
        assert compared.returncode == 0, compared.stdout[-3000:] + compared.stderr[-3000:]
        assert "gpt-4.1-mini" in compared.stdout and "gpt-4.1" in compared.stdout
