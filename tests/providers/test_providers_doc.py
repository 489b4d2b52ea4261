"""docs/providers.md as written: every `# file:` block parses and passes `evalkit validate` (its pyproject
tables are accepted by the plugin), and the Ollama example runs live against a FakeLLMServer standing in for
the Ollama server, within --evalkit-max-cost thanks to its zero prices (and refused without them)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from evalkit.testing import FakeLLMServer, Rule

DOC = Path(__file__).resolve().parents[2] / "docs" / "providers.md"
BIN = Path(sys.executable).parent
OLLAMA = "http://localhost:11434/v1"


def files() -> dict[str, str]:
    found = {}
    for _, body in re.findall(r"```(\w+)\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S):
        first, _, rest = body.partition("\n")
        if first.startswith("# file: "):
            found[first.removeprefix("# file: ").strip()] = rest
    return found


def command(name: str) -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    line = re.search(rf"```bash\n# run: {name}\n(.*?)\n```", text, re.S).group(1).strip()  # type: ignore[union-attr]
    words = line.split()
    return [str(BIN / words[0]), *words[1:], "-p", "no:cacheprovider", "-q"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for rel, text in files().items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def env() -> dict[str, str]:
    drop = ("PYTHONPATH", "EVALKIT_LIVE", "OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL")
    return {k: v for k, v in os.environ.items() if k not in drop}


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env(), capture_output=True, text=True, timeout=300)


def test_every_block_parses_and_the_page_covers_each_server() -> None:
    blocks = files()
    for rel, text in blocks.items():
        data = tomllib.loads(text) if rel.endswith(".toml") else yaml.safe_load(text)
        assert data, rel
    page = DOC.read_text(encoding="utf-8")
    for server in ("Ollama", "vLLM", "LM Studio", "Azure OpenAI", "Any OpenAI-compatible server"):
        assert f"### {server}" in page or f"| {server}" in page
    assert "32 per endpoint" in page and "concurrency" in page
    assert "<!-- providers table: generated" in page and "<!-- end providers table -->" in page


def test_the_files_pass_evalkit_validate(project: Path) -> None:
    result = run([str(BIN / "evalkit"), "validate"], project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 file(s) valid" in result.stderr
    for folder in ("azure", "limits"):  # a pyproject of its own: the plugin reads its [tool.evalkit] keys
        result = run([str(BIN / "pytest"), "--co", "-q", "-p", "no:cacheprovider"], project / folder)
        assert result.returncode == 5, result.stdout + result.stderr  # nothing to collect, and no usage error


def test_a_bad_price_entry_is_one_located_line(project: Path) -> None:
    (project / "suites" / "prices.yaml").write_text("openai:llama3.1:8b: {input: free, output: 0}\n")
    result = run([str(BIN / "evalkit"), "validate"], project)
    assert result.returncode == 1
    assert "suites/prices.yaml:1:21: openai:llama3.1:8b: input:" in result.stdout + result.stderr
    assert "each a number >= 0" in result.stdout + result.stderr


def ollama_rules() -> list[Rule]:
    return [
        Rule(role="simulator", tool_calls=[{"name": "end_conversation", "arguments": {"reason": "goal_met"}}]),
        Rule(role="agent", model="llama3.1:8b", text="hello! how can I help?"),
    ]


def test_the_ollama_example_runs_live_within_max_cost(project: Path) -> None:
    with FakeLLMServer(ollama_rules()) as ollama:
        suite = project / "suites" / "ollama.yaml"
        suite.write_text(suite.read_text().replace(OLLAMA, ollama.openai_base_url))
        result = run([*command("ollama"), "-rA"], project)
        models = sorted({r.model for r in ollama.requests})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout and "$0.00" in result.stdout
    assert models == ["llama3.1:8b", "qwen2.5:7b"]
    assert "PASSED suites/ollama.yaml::greeting[llama3.1:8b]" in result.stdout  # the colon survives in the id
    transcripts = sorted(p.name for p in (project / "reports").rglob("transcripts/*.json"))
    assert transcripts and all("llama3.1" in name for name in transcripts)


def test_without_prices_max_cost_refuses_and_calls_nothing(project: Path) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().split("[tool.evalkit.prices]")[0])
    (project / "suites" / "prices.yaml").unlink()
    with FakeLLMServer(ollama_rules()) as ollama:
        suite = project / "suites" / "ollama.yaml"
        suite.write_text(suite.read_text().replace(OLLAMA, ollama.openai_base_url))
        result = run(command("ollama"), project)
        calls = len(ollama.requests)
    assert result.returncode == 4, result.stdout + result.stderr
    assert "estimated cost unknown exceeds --evalkit-max-cost $0.50" in result.stdout + result.stderr
    assert calls == 0
