"""Whatever pytest prints goes through the redactor: not only evalkit's reports, but the warnings summary and
any other line on the terminal (a retry warning or a plugin's line can quote a key the reports never held)."""

from __future__ import annotations

import pytest

KEY = "sk-canary-terminal-0123456789abcdef"

LEAKY_TEST = """
import os, warnings

def test_leaks_through_every_terminal_path():
    warnings.warn("a warning quoting " + os.environ["OPENAI_API_KEY"])
    print("stdout quoting " + os.environ["OPENAI_API_KEY"])
    assert False, "a failure quoting " + os.environ["OPENAI_API_KEY"]
"""


def test_no_key_in_anything_pytest_prints(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    pytester.makepyfile(test_leaky=LEAKY_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rA")
    out = result.stdout.str() + result.stderr.str()
    assert result.ret == 1
    assert "a warning quoting [REDACTED]" in out  # the warnings summary: no report carries it
    assert "stdout quoting [REDACTED]" in out and "a failure quoting [REDACTED]" in out
    assert KEY not in out
