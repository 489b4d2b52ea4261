"""A plain pytest run (the CI path), with or without xdist, leaves report.html and summary.md in its run directory."""

from __future__ import annotations

import pytest
from plugin_helpers import TINY_SUITE, Project


@pytest.mark.parametrize("xdist", [False, True], ids=["one-process", "xdist"])
def test_plain_pytest_writes_the_report_into_the_run_directory(project: Project, xdist: bool) -> None:
    project.suite(TINY_SUITE)
    args = ["suites", "-p", "no:cacheprovider", *(["-n", "2"] if xdist else [])]
    result = project.pytester.runpytest_subprocess(*args)
    assert result.ret == 1  # `bad` fails
    [run_dir] = project.run_dirs()
    latest = project.path / "reports" / "latest"
    assert latest.resolve() == run_dir.resolve()
    report = latest / "report.html"
    assert report.is_file() and (latest / "summary.md").is_file()
    html = report.read_text()
    assert "bad" in html and "good" in html  # the run's scenarios, not an empty page
    out = result.stdout.str()
    assert f"report: {run_dir / 'report.html'}" in out
