"""The PostgreSQL tests skip with the reason where no server can be started, and fail under CI=true."""

from __future__ import annotations

import pytest
from history_postgres import find_binary, unavailable


def test_missing_postgres_skips_locally_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="initdb not found"):
        unavailable("initdb not found")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="cannot run under CI=true: initdb not found"):
        unavailable("initdb not found")


def test_debian_binaries_off_path_are_found(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on PATH
    found = find_binary("initdb")
    assert found is None or found.startswith("/usr/lib/postgresql/")
