"""--tb and the short summary on evalkit items (issue #15 item 4): pytest's conventions, evalkit's words.

`--tb=line` prints one `file:line: reason` per failing item; `--tb=short` the same line and where to
look; `--tb=long` (the default) the full account; `--tb=no` none of it. The short summary (`-rf`, `-rE`)
puts the reason after the item's id instead of repeating its name. pytest also lays out a failure
this way under xdist, where the report crosses a process boundary.
"""

from __future__ import annotations

import re

import pytest
from plugin_helpers import TINY_SUITE, Project

# `bad` fails its check in both trials; `good` passes: a failing scenario, and a gate that fails as inconclusive.
SUITE = TINY_SUITE.replace(
    "gate: {scenario_pass_rate: 0.5}", "gate: {scenario_pass_rate: 0.5, suite_mean_lower_ci: 0.9}"
)
REASON = "0/2 trials passed (0%), needed pass rate >= 50% over valid trials: FAIL; 2 failed: check contains: 'refunded'"
GATE_REASON = "INCONCLUSIVE: suite_mean INCONCLUSIVE - suite mean pass rate 0.50, 95% CI"  # 2 scenarios: too few
WIDE = ["-vv"]  # the short summary's lines whole, not cut at the terminal's width


def run(project: Project, *args: str) -> str:
    project.suite(SUITE)
    result = project.pytester.runpytest("suites", "-p", "no:cacheprovider", *args)
    result.assert_outcomes(passed=1, failed=2)
    return result.stdout.str()


def failures_section(out: str) -> list[str]:
    """The lines between pytest's FAILURES header and the next `=` header."""
    match = re.search(r"^=+ FAILURES =+\n(.*?)^=+ ", out, re.MULTILINE | re.DOTALL)
    return match.group(1).splitlines() if match else []


def scenario_line(project: Project, scenario_id: str) -> int:
    lines = (project.path / "suites/tiny.yaml").read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.strip() == f"- id: {scenario_id}")


def gate_line(project: Project) -> int:
    lines = (project.path / "suites/tiny.yaml").read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.startswith("gate:"))


def test_tb_line_is_one_line_per_failing_item(project: Project) -> None:
    section = failures_section(run(project, "--tb=line"))
    assert len(section) == 2, section  # the scenario and the gate, nothing else
    assert section[0].startswith(f"suites/tiny.yaml:{scenario_line(project, 'bad')}: {REASON}")
    assert section[1].startswith(f"suites/tiny.yaml:{gate_line(project)}: {GATE_REASON}")


def test_tb_short_is_the_reason_and_where_to_look(project: Project) -> None:
    out = run(project, "--tb=short")
    section = failures_section(out)
    start = section.index(next(line for line in section if re.fullmatch(r"_+ bad _+", line)))
    assert section[start + 1].startswith(f"suites/tiny.yaml:{scenario_line(project, 'bad')}: {REASON}")
    assert section[start + 2].startswith("  transcript: ") and "tiny__bad__default__t" in section[start + 2]
    assert "failing criteria:" not in out and "needed: pass rate" not in out  # the long account's details


def test_tb_long_keeps_the_full_account(project: Project) -> None:
    section = "\n".join(failures_section(run(project, "--tb=long")))
    assert "bad FAILED: 0/2 valid trials passed (0%, 95% CI 0%-66%); 0 invalid of 2" in section
    assert "needed: pass rate >= 50% over valid trials" in section and "failing criteria:" in section
    assert "gate tiny[default]: INCONCLUSIVE" in section and "suite_mean: INCONCLUSIVE" in section


def test_tb_no_prints_no_failures_but_the_summary_still_gives_reasons(project: Project) -> None:
    out = run(project, "--tb=no", "-rf", *WIDE)
    assert "FAILURES" not in out and "failing criteria:" not in out
    assert f"FAILED suites/tiny.yaml::bad - {REASON}" in out


@pytest.mark.parametrize("report", ["-rf", "-ra"])
def test_short_summary_gives_the_reason_not_the_name_again(project: Project, report: str) -> None:
    out = run(project, report, *WIDE)
    summary = out[out.index("short test summary info") :]
    assert f"FAILED suites/tiny.yaml::bad - {REASON} not found in agent turns" in summary
    assert f"FAILED suites/tiny.yaml::[gate] - {GATE_REASON}" in summary
    assert "::bad - bad" not in summary and "[gate] - gate tiny" not in summary


def test_the_summary_fits_the_terminal_when_not_verbose(project: Project) -> None:
    """Outside CI and below -vv pytest cuts the summary line to the terminal's width; the reason comes first."""
    out = run(project, "-rf")
    line = next(line for line in out.splitlines() if line.startswith("FAILED suites/tiny.yaml::bad - "))
    assert line.endswith("...") and REASON.startswith(line.removeprefix("FAILED suites/tiny.yaml::bad - ")[:-3])


def test_the_same_lines_under_xdist(project: Project) -> None:
    """A worker's failure crosses to the controller as pytest's own structure; the gate is the controller's."""
    project.suite(SUITE)
    result = project.pytester.runpytest_subprocess(
        "suites", "-n", "2", "-p", "no:cacheprovider", "--tb=line", "-rf", *WIDE
    )
    result.assert_outcomes(passed=1, failed=2)
    out = result.stdout.str()
    section = [line for line in failures_section(out) if not line.startswith("[gw")]  # xdist names the worker
    assert section == [line for line in section if line.startswith("suites/tiny.yaml:")] and len(section) == 2
    assert f"suites/tiny.yaml:{scenario_line(project, 'bad')}: {REASON}" in out
    assert f"suites/tiny.yaml:{gate_line(project)}: {GATE_REASON}" in out
    assert (
        f"FAILED suites/tiny.yaml::bad - {REASON}" in out and f"FAILED suites/tiny.yaml::[gate] - {GATE_REASON}" in out
    )
