"""Acceptance: every provider fault x every model client is retried-and-passed or attributed, never a pass.

Nine faults (429 with Retry-After, 500, 529, connection reset, timeout, a truncated JSON body, broken
JSON in the answer, empty content, a refusal; plus a reply cut at the token limit) hit each of the three
clients a session has: the agent's own SDK client (`openai.AsyncOpenAI` or `anthropic.AsyncAnthropic`),
evalkit's simulator client and its judge client, on the OpenAI and the Anthropic wire. Each fault is
injected over HTTP by FakeLLMServer, once (transient) or on every request (persistent), and the whole
pipeline decides the trial: session, judge, trial rule, run engine.

Each cell must end as ONCE / ALWAYS say: a pass after a retry, `invalid` with the right termination reason
or invalid reading when evalkit cannot get a usable answer, `fail` when the agent's own reply is what is
wrong. A persistent fault never ends in a pass. The table is docs/reliability.md's; keep the two in step.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import openai
import pytest

from evalkit.llm import ModelHub
from evalkit.llm.mock_rules import Reply, ReplyToolCall
from evalkit.llm.request import LLMRequest
from evalkit.run import RunConfig, execute_run, load_run, plan_run
from evalkit.spec import load_suite
from evalkit.testing import FakeLLMServer, Fault, hub_config_for

ANSWER = "Refunded order 1234: the money is on its way."
TIMEOUT_S = 1.0  # every client's per-request timeout: a `timeout` fault costs this per attempt; 0.4 s timed a
# loaded CI runner's first attempt out before the server answered, so a "once" fault met the retry and won

FAULTS = {  # column -> (fault, injection options)
    "429 Retry-After": (Fault.rate_limit, {"retry_after": 0.01}),
    "500": (Fault.server_error, {"retry_after_ms": 10}),
    "529": (Fault.overloaded, {"retry_after_ms": 10}),
    "connection reset": (Fault.connection_reset, {}),
    "timeout": (Fault.timeout, {}),
    "truncated JSON body": (Fault.malformed_json, {}),
    "invalid JSON": (Fault.invalid_json, {}),
    "cut at max tokens": (Fault.truncated, {}),
    "empty content": (Fault.empty_content, {}),
    "refusal": (Fault.refusal, {}),
}
ROLES = ("agent", "simulator", "judge")  # agent = the agent's own SDK client
PROVIDERS = ("openai", "anthropic")  # the wire protocol (and SDK) every client of the session speaks
HTTP = ("429 Retry-After", "500", "529", "connection reset", "timeout", "truncated JSON body")  # no usable response
CONTENT = ("invalid JSON", "cut at max tokens", "empty content", "refusal")  # a 200 whose answer is unusable
PASS, FAIL = ("pass", "user_stop"), ("fail", "user_stop")
INFRA, SIM = ("invalid", "infrastructure_error"), ("invalid", "simulator_error")

# (role, fault) -> (outcome, termination) of the trial when the fault happens once ...
ONCE: dict[tuple[str, str], tuple[str, str]] = {
    **{(role, f): PASS for role in ROLES for f in FAULTS},  # retried (judge: repaired) and passed
    ("agent", "truncated JSON body"): INFRA,  # the agent's SDK does not retry a 200; evalkit must not retry its agent
    **{("agent", f): FAIL for f in CONTENT},  # the agent passed its model's answer on: that answer is judged
    **{("simulator", f): SIM for f in ("invalid JSON", "cut at max tokens", "refusal")},  # guardrails invalidate
}
# ... and when it never stops: never a pass
ALWAYS: dict[tuple[str, str], tuple[str, str]] = {
    **{("agent", f): INFRA for f in HTTP},
    **{("agent", f): FAIL for f in CONTENT},
    **{("simulator", f): INFRA for f in HTTP},
    **{("simulator", f): SIM for f in CONTENT},  # guardrails: raw JSON, truncated_reply, empty twice, refusal
    **{("judge", f): ("invalid", "user_stop") for f in FAULTS},  # the conversation was fine; no usable reading
}
# what an invalid trial's reason must name, so it is attributed to this fault and not to another
REASON = {
    "429 Retry-After": "rate limit",
    "500": "internal server error",
    "529": "overloaded",
    # the SDK's wording changes between releases ("Connection error." in older releases, "Connection to
    # HOST failed: ..." after); "connection" is in both, in the error's class name and in evalkit's category
    "connection reset": "connection",
    "timeout": "timed out",
    "truncated JSON body": "expecting value",
}
REASON |= {
    ("simulator", "invalid JSON"): "raw json value",
    ("simulator", "cut at max tokens"): "cut off at the token",
    ("simulator", "empty content"): "empty reply twice",
    ("simulator", "refusal"): "refused to play the user",
}
REASON |= {("judge", f): "unparseable judge reply after repair" for f in CONTENT}
# Every cell on the OpenAI wire; on the Anthropic wire every persistent cell and the agent SDK's own retries
# (evalkit's retry loop is the same for both providers: its "always" cells already show two attempts each).
CELLS = [
    (p, role, column, times)
    for p in PROVIDERS
    for times in (1, 1000)
    for role in ROLES
    for column in FAULTS
    if p == "openai" or times > 1 or role == "agent"
]


# ---------------------------------------------------------------- the agent under test: its own SDK client


class SdkAgent:
    """A typical agent: its own SDK client (the SDK's retries, a short timeout), the model's reply returned as is.

    The fake endpoint is plain HTTP, so the clients skip loading the CA store (0.1 s per client, per session).
    """

    def __init__(self, provider: str, base_url: str) -> None:
        options = {"base_url": base_url, "api_key": "sk-agent-own-key", "max_retries": 1, "timeout": TIMEOUT_S}
        if provider == "anthropic":
            self.client: Any = anthropic.AsyncAnthropic(
                **options, http_client=anthropic.DefaultAsyncHttpxClient(verify=False)
            )
        else:
            self.client = openai.AsyncOpenAI(**options, http_client=openai.DefaultAsyncHttpxClient(verify=False))
        self.provider = provider

    async def respond(self, messages: list[Any]) -> Any:
        history = [{"role": m["role"], "content": m["content"]} for m in messages if m["role"] in ("user", "assistant")]
        if self.provider == "anthropic":
            return await self.client.messages.create(model="agent-m", max_tokens=200, messages=history)
        return await self.client.chat.completions.create(model="agent-m", messages=history)

    async def aclose(self) -> None:
        await self.client.close()


def make_agent(model: str | None = None, provider: str = "openai", base_url: str = "") -> SdkAgent:
    return SdkAgent(provider, base_url)


make_agent.evalkit_factory = True  # type: ignore[attr-defined]


# ---------------------------------------------------------------- the scripted models


def judge(request: LLMRequest) -> Reply:
    """Reads the transcript it is shown: resolved only when the agent's answer is really there, whole."""
    shown = "\n".join(m.content for m in request.messages)  # a repair request repeats the transcript earlier
    turn = re.search(r'<turn n="(\d+)" role="(?:agent|assistant)">\n' + re.escape(ANSWER) + "\n</turn>", shown)
    evidence = [{"turn": int(turn[1]), "quote": ANSWER}] if turn else []
    return Reply(json={"resolved": {"reasoning": "read it", "evidence": evidence, "score": bool(turn)}})


SIMULATOR = Reply(
    text="Thanks, that is all.", tool_calls=[ReplyToolCall(name="end_conversation", arguments={"reason": "goal_met"})]
)
RUBRIC = """\
id: refund.done
version: 1
judge: {{model: "{provider}:judge-m", samples: 1, temperature: 0}}
threshold: 1
criteria:
  - id: resolved
    question: Did the agent refund order 1234?
    scale: binary
"""
SUITE = """\
suite: faults
agent: test_fault_matrix:make_agent
agent_params: {{provider: {provider}, base_url: "{url}"}}
simulator: {{model: "{provider}:sim-m"}}
rubrics: [refund.done@1]
trials: 1
scenarios:
  - id: refund
    goal: Get a refund for order 1234.
    opening: please refund order 1234
    max_turns: 2
"""


def _scripted_server() -> FakeLLMServer:
    fake = FakeLLMServer()
    fake.add_rule(role="agent", text=ANSWER)
    fake.add_rule(role="simulator", replies=[SIMULATOR])
    fake.add_rule(role="judge", handler=judge)
    return fake


def _projects(server: FakeLLMServer, parent: Path) -> dict[str, Any]:
    """One project per provider: the agent's SDK, the simulator and the judge all speak it."""
    loaded = {}
    for provider in PROVIDERS:
        root = parent / provider
        (root / "rubrics").mkdir(parents=True)
        (root / "pyproject.toml").write_text("")
        (root / "rubrics" / "refund.yaml").write_text(RUBRIC.format(provider=provider))
        (root / "suites").mkdir()
        url = server.anthropic_base_url if provider == "anthropic" else server.openai_base_url
        (root / "suites" / "faults.yaml").write_text(SUITE.format(provider=provider, url=url))
        loaded[provider] = load_suite(root / "suites" / "faults.yaml", root=root)
    return loaded


@pytest.fixture(scope="module")
def server() -> Iterator[FakeLLMServer]:
    with _scripted_server() as fake:
        yield fake


@pytest.fixture(scope="module")
def suites(server: FakeLLMServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _projects(server, tmp_path_factory.mktemp("faults"))


def _trial(server: FakeLLMServer, suite: Any) -> dict[str, Any]:
    """Run the suite's one trial through the run engine; each run gets its own directory under the project."""
    reports = Path(suite.path).parents[1] / "reports"

    async def run() -> dict[str, Any]:
        config = RunConfig(report_dir=reports, fsync_interval_s=0, cache=False)
        hub_config = hub_config_for(
            server,
            timeout_s=TIMEOUT_S,
            max_retries=1,
            retry_base_s=0.01,
            retry_max_s=0.05,
            rate_limit_wait_s=0,
            no_cache=True,
            cache_dir=reports.parent / "cache",
        )
        async with ModelHub(hub_config) as hub:
            summary = await execute_run(plan_run([suite], config), config, hub)
        [trial] = load_run(summary.run_dir).trials
        return trial

    server.hang_s = 5.0
    return asyncio.run(run())


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_clean_run_passes(server: FakeLLMServer, suites: dict[str, Any], provider: str) -> None:
    server.reset()
    trial = _trial(server, suites[provider])
    assert (trial["outcome"], trial["termination"]) == ("pass", "user_stop"), trial
    assert [len(server.requests_for(r)) for r in ROLES] == [1, 1, 1]


@pytest.mark.parametrize(
    ("provider", "role", "column", "times"),
    CELLS,
    ids=[f"{p}-{r}-{c}-{'once' if t == 1 else 'always'}" for p, r, c, t in CELLS],
)
def test_each_fault_is_retried_or_attributed_never_a_pass(
    server: FakeLLMServer, suites: dict[str, Any], provider: str, role: str, column: str, times: int
) -> None:
    fault, options = FAULTS[column]
    server.reset()
    server.inject(fault, times=times, role=role, **options)
    trial = _trial(server, suites[provider])
    expected = (ONCE if times == 1 else ALWAYS)[(role, column)]
    got = (trial["outcome"], trial["termination"])
    assert got == expected, json.dumps(trial)[:800]
    if times > 1:
        assert trial["outcome"] != "pass"
    if expected == PASS:
        assert len(server.requests_for(role)) >= 2  # it passed because it was retried, not because nothing failed
    if expected[0] == "invalid":
        reason = REASON.get((role, column)) or REASON[column]
        assert reason in trial["invalid_reason"].lower(), trial["invalid_reason"]


def _import_the_clients_now() -> None:
    """Make the imports the clients make on their first request (and first failure) now, at collection.

    The SDKs import their transport (httpcore, anyio backends, h11) lazily. pytester's inline runs
    (tests/plugin) drop the modules first imported inside them; a transport imported again afterwards
    raises exception classes the SDKs no longer map, so a reset or a timeout surfaced as a raw ReadError,
    never retried. (Not through a trial: the session imports this module's agent from another thread,
    which would wait for this import to finish.)
    """
    from evalkit.llm.types import Message, ModelError
    from evalkit.plugin.preload import preload_engine

    preload_engine()

    async def ask_everyone(fake: FakeLLMServer) -> None:
        agents = [
            SdkAgent(provider, url)
            for provider, url in (("openai", fake.openai_base_url), ("anthropic", fake.anthropic_base_url))
        ]
        async with ModelHub(hub_config_for(fake, max_retries=0, no_cache=True)) as hub:
            calls = [lambda a=a: a.respond([{"role": "user", "content": "hi"}]) for a in agents]
            calls += [lambda p=p: hub.model(f"{p}:m").generate([Message(role="user", content="hi")]) for p in PROVIDERS]
            for fault in (None, Fault.connection_reset):
                for call in calls:
                    if fault is not None:
                        fake.inject(fault)
                    try:
                        await call()
                    except (openai.APIError, anthropic.APIError, ModelError):
                        pass
        for agent in agents:
            await agent.aclose()

    with FakeLLMServer() as fake:
        asyncio.run(ask_everyone(fake))


_import_the_clients_now()
