"""`--executor` / `--evalkit-executor` / `[tool.evalkit] executor`: checked before anything runs.

These need no Ray: a missing Ray is simulated by a `ray` package that fails to import, as an
environment without the extra does. The Ray executor itself: tests/run/test_ray_executor.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "evalkit" / "demo" / "project" / "suites" / "demo" / "support.yaml"


def run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})}
    )


def test_without_ray_the_option_says_how_to_install_it(tmp_path: Path) -> None:
    """evalkit run --executor ray without Ray: one line naming the extra, exit 4, no run directory."""
    fake = tmp_path / "no_ray" / "ray"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError(\"No module named 'ray'\")\n")
    done = run(
        ROOT,
        "-c",
        "from evalkit.cli import main; main()",
        "run",
        str(SUITE),
        "--offline",
        "--executor",
        "ray",
        "--report-dir",
        str(tmp_path / "reports"),
        env={"PYTHONPATH": str(fake.parent)},
    )
    assert done.returncode == 4, done.stdout[-2000:] + done.stderr[-2000:]
    lines = [line for line in (done.stdout + done.stderr).splitlines() if "evalkit[ray]" in line]
    assert lines == ["ERROR: evalkit --evalkit-executor ray: Ray is not installed; pip install 'evalkit[ray]'"]
    assert "Traceback" not in done.stderr and not (tmp_path / "reports").exists()


def test_a_bad_executor_in_pyproject_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "suites").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.evalkit]\nsuites = ["suites"]\nexecutor = "spark"\n')
    done = run(tmp_path, "-m", "pytest", "-p", "no:cacheprovider", "-q")
    assert done.returncode == 4
    assert (
        f"ERROR: evalkit executor ({tmp_path / 'pyproject.toml'}:3 [tool.evalkit]): expected one of local, ray, "
        "got 'spark'" in done.stderr + done.stdout
    )
