"""`evalkit cache stats|clear`."""

from __future__ import annotations

from click.testing import CliRunner

from evalkit.cli import main
from evalkit.llm import ModelResponse, ResponseCache


def test_cache_stats_and_clear(tmp_path):
    cache = ResponseCache(tmp_path)
    for i, role in enumerate(["judge", "judge", "agent"]):
        cache.put(f"k{i}", ModelResponse(text="x", model="openai:gpt-4.1-mini"), role)
    cache.close()
    runner = CliRunner()
    stats = runner.invoke(main, ["cache", "stats", "--cache-dir", str(tmp_path)])
    assert stats.exit_code == 0, stats.output
    assert (
        "3 entries" in stats.output
        and "role judge: 2" in stats.output
        and "model openai:gpt-4.1-mini: 3" in stats.output
    )
    cleared = runner.invoke(main, ["cache", "clear", "--cache-dir", str(tmp_path), "--role", "agent"])
    assert cleared.exit_code == 0 and "removed 1 entry" in cleared.output
    cleared = runner.invoke(main, ["cache", "clear", "--cache-dir", str(tmp_path)])
    assert "removed 2 entries" in cleared.output
    assert "0 entries" in runner.invoke(main, ["cache", "stats", "--cache-dir", str(tmp_path)]).output


def test_cache_commands_without_a_cache(tmp_path):
    result = CliRunner().invoke(main, ["cache", "stats", "--cache-dir", str(tmp_path / "none")])
    assert result.exit_code == 0 and "no cache at" in result.output
    assert not (tmp_path / "none").exists()


def test_cache_commands_on_a_file_that_is_not_a_cache(tmp_path):
    (tmp_path / ResponseCache.FILENAME).write_text("not sqlite\n")
    for args in (["stats"], ["clear"]):
        result = CliRunner().invoke(main, ["cache", *args, "--cache-dir", str(tmp_path)])
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception  # not a traceback
        assert result.output.count("\n") == 1, result.output
        assert ResponseCache.FILENAME in result.output and "not a database" in result.output
