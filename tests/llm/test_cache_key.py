"""Response-cache keys name an endpoint by what decides its answers: a configured base URL keeps two servers apart,
an offline endpoint is `offline:<rules fingerprint>` whatever port it got, and credentials never enter a key."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import anthropic  # noqa: F401 - imported once here: pytester's inline runs drop modules first imported inside them
import openai  # noqa: F401
import pytest
from pydantic import BaseModel

from evalkit.llm import CallTag, GenerateConfig, Message, ModelHub, ResponseCache, Rule
from evalkit.llm.endpoint_identity import endpoint_identity, offline_identity, rules_fingerprint
from evalkit.plugin.preload import preload_engine
from evalkit.testing import FakeLLMServer, hub_config_for

preload_engine()

JUDGE = GenerateConfig(temperature=0, tag=CallTag(role="judge"))
ASK = [Message(role="user", content="grade it")]
RULES = [Rule(role="judge", json={"value": 3})]


class Score(BaseModel):
    value: int


def test_a_configured_url_is_its_own_identity_without_credentials() -> None:
    assert endpoint_identity("http://localhost:8000/v1/") == "http://localhost:8000/v1"
    assert endpoint_identity("http://localhost:8000/v1") != endpoint_identity("http://localhost:11434/v1")
    assert endpoint_identity("HTTPS://API.Example.com/v1") == "https://api.example.com/v1"
    bare = endpoint_identity("https://user:s3cret-key@proxy.example.com:8443/v1?api-version=2024-10-21")
    assert bare == "https://proxy.example.com:8443/v1?api-version=2024-10-21" and "s3cret" not in bare
    aliases = {"http://127.0.0.1:51234/v1/": "offline:abc"}
    assert endpoint_identity("http://127.0.0.1:51234/v1", aliases) == "offline:abc"
    assert endpoint_identity("http://127.0.0.1:8000/v1", aliases) == "http://127.0.0.1:8000/v1"  # not aliased


def test_the_rules_fingerprint_follows_the_rules_and_their_handlers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert rules_fingerprint(RULES) == rules_fingerprint([Rule(role="judge", json={"value": 3})])
    assert rules_fingerprint(RULES) != rules_fingerprint([Rule(role="judge", json={"value": 4})])
    assert rules_fingerprint([*RULES, Rule(text="x")]) != rules_fingerprint(
        [Rule(text="x"), *RULES]
    )  # first match wins
    handler = tmp_path / "ek_handler_mod.py"
    handler.write_text("def respond(request):\n    return 'one'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with_handler = [Rule(handler="ek_handler_mod:respond")]
    before = rules_fingerprint(with_handler)
    handler.write_text("def respond(request):\n    return 'two'\n")  # same rule, other answers
    assert rules_fingerprint(with_handler) != before
    assert offline_identity(RULES) == f"offline:{rules_fingerprint(RULES)}"


def test_the_fingerprint_follows_the_project_modules_a_handler_imports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A handler that delegates to helpers answers differently when only a helper changes: an offline cache kept
    between CI runs would otherwise serve the old helper's answers."""
    package = tmp_path / "ek_rules_pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "handlers.py").write_text(
        "import json\nfrom ek_rules_pkg.scoring import score\nfrom .sub import wording\n\n"
        "def respond(request):\n    return json.dumps({'value': score()}) + wording.SUFFIX\n"
    )
    (package / "scoring.py").write_text("from . import weights\n\ndef score():\n    return weights.W\n")
    (package / "weights.py").write_text("W = 3\n")
    (package / "sub" / "wording.py").write_text("SUFFIX = ''\n")
    (package / "unrelated.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    rules = [Rule(handler="ek_rules_pkg.handlers:respond")]

    def after(path: Path, text: str) -> str:
        path.write_text(text)
        return rules_fingerprint(rules)

    first = rules_fingerprint(rules)
    assert after(package / "unrelated.py", "X = 2\n") == first  # not imported by the handler
    assert after(package / "weights.py", "W = 4\n") != first  # imported through a helper's relative import
    second = rules_fingerprint(rules)
    assert after(package / "sub" / "wording.py", "SUFFIX = '!'\n") != second  # `from .sub import wording`


async def _judge(server: FakeLLMServer, cache_dir: Path, **config: object) -> bool:
    hub = ModelHub(hub_config_for(server, cache_dir=cache_dir, **config))
    try:
        result = await hub.model("openai:judge-model").generate(ASK, output_schema=Score, config=JUDGE)
    finally:
        await hub.aclose()
    return bool(result.cached)


@pytest.mark.asyncio
async def test_fake_servers_on_other_ports_share_entries_under_the_offline_identity(tmp_path: Path) -> None:
    identity = offline_identity(RULES)
    hits = []
    for _ in range(2):
        with FakeLLMServer(list(RULES)) as server:  # a fresh port each time, as each offline run gets
            ids = {server.base_url(p): identity for p in ("openai", "anthropic")}
            hits.append(await _judge(server, tmp_path, endpoint_ids=ids))
            calls = len(server.requests)
    assert hits == [False, True] and calls == 0  # the second run's call never reached its server
    cache = ResponseCache(tmp_path)
    assert cache.stats().entries == 1
    cache.close()


@pytest.mark.asyncio
async def test_two_configured_base_urls_never_share_an_entry(tmp_path: Path) -> None:
    with FakeLLMServer(list(RULES)) as first, FakeLLMServer(list(RULES)) as second:
        assert not await _judge(first, tmp_path)
        assert not await _judge(second, tmp_path)  # same request, another server: a miss
        assert await _judge(second, tmp_path)
        assert len(first.requests) == 1 and len(second.requests) == 1
    cache = ResponseCache(tmp_path)
    assert cache.stats().entries == 2
    cache.close()


SUITE = """
suite: keyed
agent: keyed_agent:agent
rubrics: [keyed.resolution@1]
offline_rules: offline_rules.yaml
trials: 2
scenarios:
  - id: refund
    goal: get a refund
    turns: [{user: "refund please"}]
  - id: hello
    goal: get a refund
    turns: [{user: "hello there"}]
"""

RUBRIC = """
id: keyed.resolution
version: 1
judge: {model: "openai:judge-model"}
criteria:
  - id: resolved
    question: Was the order refunded?
    scale: binary
"""

OFFLINE_RULES = """
rules:
  - role: judge
    json: {resolved: {reasoning: "The agent answered.", evidence: [], score: true}}
"""

AGENT = """
def agent(messages):
    return "Done: refunded." if "refund" in messages[-1]["content"] else "Hello!"
"""


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())


def test_a_second_offline_run_of_a_suite_is_served_from_the_cache(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("EVALKIT_LIVE", "GITHUB_STEP_SUMMARY", "CI", "GITHUB_ACTIONS"):
        monkeypatch.delenv(var, raising=False)
    root = pytester.path
    pytester.makepyprojecttoml(
        '[tool.pytest.ini_options]\npythonpath = ["."]\nasyncio_default_fixture_loop_scope = "function"\n'
    )
    _write(root, "keyed_agent.py", AGENT)
    _write(root, "suites/keyed.yaml", SUITE)
    _write(root, "suites/offline_rules.yaml", OFFLINE_RULES)
    _write(root, "rubrics/keyed/resolution.yaml", RUBRIC)
    cache_dir = root / "cache"
    judged = []
    entries = []
    for _ in range(2):  # each run starts its own fake server on a new port
        result = pytester.runpytest(
            "suites",
            "--evalkit-offline",
            "-p",
            "no:cacheprovider",
            "--evalkit-no-progress",
            f"--evalkit-cache-dir={cache_dir}",
        )
        result.assert_outcomes(passed=3)  # two scenarios and the gate
        run = json.loads((root / "reports" / "latest" / "run.json").resolve().read_text())
        judged.append(run["totals"]["tokens"]["judge"]["input"])
        cache = ResponseCache(cache_dir)
        entries.append(cache.stats().entries)
        cache.close()
    assert judged[0] > 0 and judged[1] == 0  # every judge call of the second run was a cache hit
    assert entries[0] == entries[1] == 2  # and it added no entry
