"""The generic registry: required parts, clashes, did-you-mean, and entry points of an installed package."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from evalkit.registry import Registry, RegistryError


def test_an_item_without_a_required_part_is_refused_by_name() -> None:
    reg: Registry[object] = Registry("check", "evalkit.tests.none", required=("spec",))
    with pytest.raises(RegistryError, match=r"check 'x': missing doc, spec"):
        reg.add("x", object(), doc="")
    reg.add("y", len, doc="counts", spec=dict)
    assert reg.get("y").parts["spec"] is dict and reg.names() == ["y"]


def test_two_implementations_under_one_name_clash_and_unknown_names_get_a_suggestion() -> None:
    reg: Registry[object] = Registry("provider", "evalkit.tests.none")
    reg.register("openai", doc="OpenAI wire")(len)
    with pytest.raises(RegistryError, match="registered twice"):
        reg.add("openai", max, doc="other")
    with pytest.raises(RegistryError, match=r"unknown provider 'opena'; did you mean 'openai'\?"):
        reg.get("opena")


def test_an_installed_package_registers_through_its_entry_point(tmp_path: Path) -> None:
    """A third-party package is found through importlib.metadata, as pip would install it."""
    (tmp_path / "thirdparty.py").write_text(
        textwrap.dedent("""
        from tests_registry_target import REG
        REG.add("word_count", len, doc="counts words")
    """)
    )
    (tmp_path / "tests_registry_target.py").write_text(
        "from evalkit.registry import Registry\nREG = Registry('check', 'evalkit.tests.registry')\n"
    )
    dist = tmp_path / "thirdparty-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: thirdparty\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[evalkit.tests.registry]\nword_count = thirdparty\n")
    code = "from tests_registry_target import REG; print(REG.names(), REG.get('word_count').doc)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert out.stdout.strip() == "['word_count'] counts words", out.stderr


def test_lookups_racing_the_first_load_all_see_every_item(tmp_path: Path) -> None:
    """Two threads' first lookups: the second waits for the first one's imports instead of seeing an empty registry."""
    (tmp_path / "slow_checks.py").write_text(
        textwrap.dedent("""
        import time
        from race_target import REG
        time.sleep(0.3)
        REG.add("late", len, doc="registered after a slow import")
    """)
    )
    (tmp_path / "race_target.py").write_text(
        "from evalkit.registry import Registry\nREG = Registry('check', 'evalkit.tests.none', modules=('slow_checks',))\n"
    )
    code = textwrap.dedent("""
        from concurrent.futures import ThreadPoolExecutor
        from race_target import REG
        with ThreadPoolExecutor(4) as pool:
            print(list(pool.map(lambda _: "late" in REG, range(4))))
    """)
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert out.stdout.strip() == "[True, True, True, True]", out.stderr
