"""Plugin pieces without a pytest run: options, the spending estimate, the Markdown summary (xdist merging: tests/run/test_run_parts.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.plugin.ci import markdown_summary
from evalkit.plugin.options import PluginSettings, parse_base_urls, resolve_settings
from evalkit.plugin.spending import INPUT_TOKENS_BASE, INPUT_TOKENS_PER_TURN, OUTPUT_TOKENS, estimate, skip_reason
from evalkit.plugin.summary import build_view
from evalkit.spec import load_suite
from evalkit.spec.models import GateConfig
from evalkit.verdicts import VerdictInputs
from evalkit.verdicts.rows import TrialRecord


def test_base_url_option_parsing() -> None:
    assert parse_base_urls(["openai=http://127.0.0.1:1/v1", "anthropic = http://x"]) == {
        "openai": "http://127.0.0.1:1/v1",
        "anthropic": "http://x",
    }
    with pytest.raises(pytest.UsageError, match="PROVIDER=URL"):
        parse_base_urls(["http://no-provider"])


def test_settings_precedence_cli_over_pyproject(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVALKIT_LIVE", raising=False)
    pytester.makepyprojecttoml(
        '[tool.evalkit]\nsuites = ["evals"]\ntrials = 4\nreport_dir = "out"\nagent_models = ["openai:a"]\n'
    )
    config = pytester.parseconfig("--evalkit-trials=2")
    settings = resolve_settings(config)
    assert settings.trials == 2 and settings.agent_models == ["openai:a"]
    assert settings.suites == [(pytester.path / "evals").resolve()] and settings.suites_configured
    assert settings.report_dir == (pytester.path / "out").resolve()
    assert not settings.live
    monkeypatch.setenv("EVALKIT_LIVE", "1")
    assert resolve_settings(pytester.parseconfig()).live


@pytest.mark.parametrize(
    ("pyproject", "args", "message"),
    [
        ("", ["--evalkit-trials=0"], "trials .*expected an integer >= 1, got '0'"),
        ("", ["--evalkit-concurrency=-1"], "concurrency .*expected an integer >= 1, got '-1'"),
        ('trials = "three"', [], "trials .*got 'three'"),
        ('max_cost = "5"', [], "max_cost .*expected a number > 0, got '5'"),
        (
            'suites = "evals"',
            [],
            r"suites \(.*pyproject.toml:2 \[tool.evalkit\]\): expected a list of strings, got 'evals'",
        ),
        ('agent_models = "openai:a"', [], r"agent_models \(.*\): expected a list of strings"),
    ],
)
def test_bad_settings_are_usage_errors(
    pytester: pytest.Pytester, pyproject: str, args: list[str], message: str
) -> None:
    # each used to pass here and crash later: a pydantic traceback from RunConfig, a str/float comparison
    # in the budget check, or a string iterated as one suite path per character
    pytester.makepyprojecttoml(f"[tool.evalkit]\n{pyproject}\n")
    with pytest.raises(pytest.UsageError, match=message):
        resolve_settings(pytester.parseconfig(*args))


SHAPED = """
suite: shaped
agent: {kind: model, model: "openai:gpt-4.1-mini", system_prompt: "help", max_steps: 2}
simulator: {model: "openai:gpt-4.1-mini"}
trials: 3
defaults: {max_turns: 2}
scenarios:
  - {id: a, goal: g}
  - {id: b, goal: g, trials: 1}
"""


class _Item:
    def __init__(self, loaded, scenario) -> None:
        self.loaded, self.scenario, self.agent_model = loaded, scenario, None


def test_estimate_from_suite_shape_and_prices(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    path = tmp_path / "shaped.yaml"
    path.write_text(SHAPED)
    loaded = load_suite(path, root=tmp_path)
    est = estimate([_Item(loaded, s) for s in loaded.scenarios], PluginSettings())
    sessions = 3 + 1
    conversation_in = INPUT_TOKENS_BASE + (INPUT_TOKENS_BASE + INPUT_TOKENS_PER_TURN)  # two turns
    assert est.sessions == sessions
    assert est.calls == {"agent": sessions * 2 * 2, "simulator": sessions * 2}  # turns x max_steps; turns
    assert est.input_tokens == sessions * (conversation_in * 2 + conversation_in)
    assert est.output_tokens == sessions * (OUTPUT_TOKENS * 4 + OUTPUT_TOKENS * 2)
    expected = (est.input_tokens * 0.40 + est.output_tokens * 1.60) / 1e6  # gpt-4.1-mini in the price table
    assert est.cost_usd == pytest.approx(expected)
    assert "4 sessions" in est.text() and f"${expected:.2f}" in est.text()


def test_mock_models_are_free_and_others_need_live(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    path = tmp_path / "shaped.yaml"
    path.write_text(SHAPED)
    paid = load_suite(path, root=tmp_path)
    path.write_text(SHAPED.replace("openai:gpt-4.1-mini", "mock:echo"))
    free = load_suite(path, root=tmp_path)
    assert skip_reason(paid, paid.scenarios[0], None, PluginSettings()) is not None
    assert skip_reason(paid, paid.scenarios[0], None, PluginSettings(live=True)) is None
    assert skip_reason(paid, paid.scenarios[0], None, PluginSettings(offline=True)) is None
    assert skip_reason(free, free.scenarios[0], None, PluginSettings()) is None


def test_markdown_summary_lists_scenarios_gates_and_costs() -> None:
    rows = [
        TrialRecord(suite="s", scenario_id="a", tier="m", trial=i, outcome=o, cost_usd={"agent": 0.01, "total": 0.01})
        for i, o in enumerate(["pass", "fail", "invalid"])
    ]
    view = build_view(rows, [], VerdictInputs(gates={"s": GateConfig(scenario_pass_rate=0.5)}))
    text = markdown_summary(view)
    assert "| s | `a[m]` | ✅ pass | 50% |" in text
    assert "**Flaky** (valid trials disagree): a[m]" in text
    assert "a[m]: 1/3 invalid" in text
    assert "Cost: $0.0300 (agent $0.0300, simulator $0.0000, judge $0.0000)" in text
