"""The worked example end to end: a package installed with an `evalkit.providers` entry point adds `together:`,
and a suite whose agent tier and judge are `together:` models runs in a subprocess against the fake server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from provider_helpers import PACKAGE_DIR

from evalkit.testing import FakeLLMServer, Rule

KEY = "sk-together-e2e-canary-7c3a9d"
SUITE = """
suite: alias
agent: {kind: model, system_prompt: "You are a support agent.", max_steps: 2}
agent_models: [together:some-model]
rubrics: [alias.resolution@1]
trials: 2
scenarios:
  - id: refund
    goal: get a refund
    turns: [{user: "refund please"}]
"""
RUBRIC = """
id: alias.resolution
version: 1
judge: {model: "together:judge-model"}
criteria:
  - id: resolved
    question: Was the order refunded?
    scale: binary
    must_pass: true
"""
VERDICT = {
    "resolved": {
        "reasoning": "The agent confirmed the refund.",
        "evidence": [{"turn": 2, "quote": "refunded"}],
        "score": True,
    }
}


def _install(site: Path) -> None:
    """What pip leaves behind: the module and a dist-info whose entry_points.txt names it."""
    shutil.copy(PACKAGE_DIR / "evalkit_together.py", site)
    dist = site / "evalkit_together-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: evalkit-together\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[evalkit.providers]\ntogether = evalkit_together\n")


def _project(root: Path) -> None:
    for rel, text in (
        ("suites/alias.yaml", SUITE),
        ("rubrics/alias/resolution.yaml", RUBRIC),
        ("pyproject.toml", '[tool.pytest.ini_options]\npythonpath = ["."]\n'),
    ):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text).lstrip())


def _env(site: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EVALKIT_", "PYTEST_", "GITHUB_", "OPENAI_"))}
    env.pop("CI", None)
    env.update(
        TOGETHER_API_KEY=KEY, PYTHONPATH=os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    )
    return env


def test_an_installed_alias_runs_a_suite_over_the_openai_wire_with_the_key_kept_out_of_artifacts(tmp_path) -> None:
    site, project = tmp_path / "site", tmp_path / "project"
    site.mkdir(), project.mkdir()
    _install(site)
    _project(project)
    rules = [Rule(role="judge", json=VERDICT), Rule(role="agent", text="Done: your order is refunded.")]
    with FakeLLMServer(rules, api_key=KEY) as server:  # answers only requests carrying TOGETHER_API_KEY's value
        cmd = [
            sys.executable,
            "-m",
            "pytest",
            "suites",
            "-q",
            "-p",
            "no:cacheprovider",
            "--evalkit-live",
            "--evalkit-no-cache",
            f"--evalkit-base-url=together={server.openai_base_url}",
        ]
        out = subprocess.run(cmd, cwd=project, env=_env(site), capture_output=True, text=True, timeout=300)
        seen = list(server.requests)
    output = out.stdout + out.stderr
    assert out.returncode == 0, output
    assert {(r.path, r.provider) for r in seen} == {("/v1/chat/completions", "openai")}
    assert sorted({(r.role, r.model) for r in seen}) == [("agent", "some-model"), ("judge", "judge-model")]
    [run_dir] = [p for p in (project / "reports").iterdir() if (p / "run.json").exists() and not p.is_symlink()]
    trials = [json.loads(line) for line in (run_dir / "trials.jsonl").read_text().splitlines() if line.strip()]
    assert [t["outcome"] for t in trials] == ["pass", "pass"]
    artifacts = [p for p in project.rglob("*") if p.is_file() and p.suffix != ".pyc"]
    assert "together:some-model" in (run_dir / "run.json").read_text() + "".join(
        p.read_text(errors="replace") for p in run_dir.rglob("*.json*")
    )
    leaks = [str(p) for p in artifacts if KEY in p.read_text(errors="replace")]
    assert leaks == [] and KEY not in output


def test_an_installed_alias_runs_offline_against_the_suites_rules_with_no_key(tmp_path) -> None:
    """--evalkit-offline points the alias (found through its entry point) at the local fake server, like openai:."""
    site, project = tmp_path / "site", tmp_path / "project"
    site.mkdir(), project.mkdir()
    _install(site)
    _project(project)
    suite = project / "suites" / "alias.yaml"
    suite.write_text(suite.read_text() + "offline_rules: offline.yaml\n")
    verdict = {"resolved": {**VERDICT["resolved"], "evidence": [{"turn": 2, "quote": "REF-42"}]}}
    (project / "suites" / "offline.yaml").write_text(  # the judge passes only what the agent rule answered
        f"rules:\n  - {{role: judge, match: REF-42, json: {json.dumps(verdict)}}}\n"
        "  - {role: agent, model: some-model, text: 'Done: your order is refunded, REF-42.'}\n"
    )
    env = _env(site)
    del env["TOGETHER_API_KEY"]
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "suites",
        "-q",
        "-p",
        "no:cacheprovider",
        "--evalkit-offline",
        "--evalkit-no-cache",
    ]
    out = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    [run_dir] = [p for p in (project / "reports").iterdir() if (p / "run.json").exists() and not p.is_symlink()]
    trials = [json.loads(line) for line in (run_dir / "trials.jsonl").read_text().splitlines() if line.strip()]
    assert [t["outcome"] for t in trials] == ["pass", "pass"]  # the agent rule matched the bare model name


def test_an_installed_alias_is_in_the_docs_table_and_in_did_you_mean(tmp_path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    _install(site)
    docs = tmp_path / "providers.md"
    shutil.copy(Path(__file__).parents[2] / "docs" / "providers.md", docs)
    code = (
        "from evalkit.llm.endpoint import split_name\n"
        "try:\n    split_name('togther:m')\nexcept ValueError as err:\n    print(err)\n"
    )
    env = _env(site)
    subprocess.run(
        [sys.executable, "-m", "evalkit.llm.providers.docs", str(docs)],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == (
        "model name 'togther:m': unknown provider 'togther'; expected one of openai, "
        "anthropic, mock, together; did you mean 'together'?"
    ), out.stderr
    assert "| `together:` | openai (alias) | `https://api.together.xyz/v1` | `TOGETHER_API_KEY` |" in docs.read_text()
