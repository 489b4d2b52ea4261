"""The shared rate-limit budget: one grant API served on 127.0.0.1 to several processes' hubs.

Two hubs stand for two pytest-xdist workers (each has its own connection to the service, as
a worker process has). The fake server counts what they send; nothing is timed.
"""

from __future__ import annotations

import asyncio

import pytest
from pydantic import SecretStr

from evalkit.llm import Message
from evalkit.llm.budget import BudgetTerms, LocalBudget, SharedBudgetClient
from evalkit.llm.budget_service import BudgetConnection, BudgetServer
from evalkit.llm.config import SharedBudget
from evalkit.llm.pacing import Cost
from evalkit.testing import FakeLLMServer, Fault, Rule

OK = [Rule(text="ok")]
MODEL = "openai:gpt-4.1-mini"


@pytest.fixture
def budget_server():
    server = BudgetServer().start()
    yield server
    server.stop()


def shared(server: BudgetServer, workers: int = 2) -> SharedBudget:
    return SharedBudget(address=server.address, token=SecretStr(server.token), workers=workers)


def client(server: BudgetServer, terms: BudgetTerms, workers: int = 2) -> SharedBudgetClient:
    return SharedBudgetClient(BudgetConnection(server.address, server.token), "endpoint", terms, workers)


def test_two_clients_draw_on_one_bucket(budget_server):
    """rpm 60 holds one request: whoever asks second waits, whichever connection it comes from."""
    a, b = client(budget_server, BudgetTerms(rpm=60)), client(budget_server, BudgetTerms(rpm=60))
    first = a.take(Cost())
    second = b.take(Cost())
    assert first.ticket is not None and first.wait_s == 0
    assert second.ticket is None and second.wait_s == pytest.approx(1.0, abs=0.25)
    assert second.workers == 2  # both connections drew on the endpoint just now
    figures = budget_server.service.figures()["endpoint"]
    assert figures["granted"] == 1 and figures["waits"] == 1


def test_a_signal_reaches_the_other_client_and_holds_its_starts(budget_server):
    a, b = client(budget_server, BudgetTerms()), client(budget_server, BudgetTerms())
    before = b.take(Cost()).signals
    assert a.signal(2.0) == before + 1
    after = b.take(Cost())
    assert after.signals == before + 1 and after.ticket is None and after.wait_s == pytest.approx(2.0, abs=0.25)


def test_a_wrong_token_is_refused_and_the_client_falls_back_to_its_share(budget_server):
    stranger = SharedBudgetClient(
        BudgetConnection(budget_server.address, "not-the-token"), "endpoint", BudgetTerms(rpm=240), workers=4
    )
    grant = stranger.take(Cost())  # the service hung up: a local bucket with 1/4 of 240 rpm = 1 a second
    assert stranger.degraded and grant.ticket is not None
    assert stranger.take(Cost()).wait_s == pytest.approx(1.0, abs=0.25)
    assert budget_server.service.figures() == {}


def test_a_service_that_dies_leaves_a_bounded_local_share(budget_server):
    a = client(budget_server, BudgetTerms(rpm=120), workers=2)
    assert a.take(Cost()).ticket is not None and not a.degraded
    budget_server.stop()
    grants = [a.take(Cost()) for _ in range(3)]
    assert a.degraded
    assert [g.ticket is not None for g in grants] == [True, False, False]  # 60 rpm locally: one now, then 1 s
    assert grants[1].wait_s == pytest.approx(1.0, abs=0.25)


def test_the_local_budget_keeps_the_old_behaviour():
    assert not LocalBudget(BudgetTerms()).paced()  # nothing known, nothing set: starts need not queue
    local = LocalBudget(BudgetTerms(rpm=60))
    assert local.paced() and local.take(Cost()).ticket is not None
    assert local.take(Cost()).wait_s == pytest.approx(1.0, abs=0.25)


@pytest.mark.asyncio
async def test_two_hubs_on_one_shared_budget_keep_to_one_rpm_together(hub_for, budget_server):
    """Two 'workers' each told rpm 1,200, as is the server (headers off, so only the static cap paces); it holds
    a 3 s burst (60). Shared, they offer it at most 20 + 20/s, so nothing is refused even when the machine delays
    a request 2 s between its grant and its arrival (a loaded CI runner delayed them over 0.5 s when the server
    held only a 1 s burst). Each on its own, they offer 40 + 40/s: the server refuses some after about 1 s."""
    with FakeLLMServer(OK, latency_s=0.01, rpm=1200, rate_window_s=3.0, rate_limit_headers=False) as server:
        hubs = [hub_for(server, rpm=1200, shared_budget=shared(budget_server)) for _ in range(2)]
        await asyncio.gather(*(burst(hub, 50) for hub in hubs))
        stats = server.rate_limit_stats
        assert stats.accepted == 100 and stats.rejected == 0
        (figures,) = budget_server.service.figures().values()  # one endpoint, keyed by a hash
        assert figures["granted"] == 100  # every start went through the service
        snaps = [hub.limits_snapshot()[0] for hub in hubs]
        assert all(s["shared"] and s["workers"] == 2 and s["limits"]["rpm"] == 1200 for s in snaps)
        assert all(s["limits"]["connections_max"] == 128 for s in snaps)  # 256 split between the two
        for hub in hubs:
            await hub.aclose()

        server.reset()
        server.set_rate_limit(rpm=1200, window_s=3.0, headers=False)
        alone = [hub_for(server, rpm=1200, rate_limit_wait_s=30) for _ in range(2)]
        await asyncio.gather(*(burst(hub, 50) for hub in alone))
        # two full budgets offered to one: about 10 refused when both bursts land together (quiet machine), fewer
        # when a loaded runner staggers the two hubs' starts; any refusal tells it from the shared run's none
        assert server.rate_limit_stats.rejected >= 1
        for hub in alone:
            await hub.aclose()


@pytest.mark.asyncio
async def test_one_workers_429_cuts_the_other_workers_concurrency(hub_for, budget_server):
    with FakeLLMServer(OK, latency_s=0.01) as server:
        a, b = (
            hub_for(server, shared_budget=shared(budget_server), adaptive={"start": 16, "cooldown_s": 0})
            for _ in range(2)
        )
        await burst(b, 4)
        before = b.limits_snapshot()[0]["concurrency"]
        server.inject(Fault.rate_limit, retry_after_ms=5)
        await burst(a, 1)  # a meets a 429 and reports it
        await burst(b, 1)  # b hears of it on its next start
        after = b.limits_snapshot()[0]
        assert after["cuts"] == 1 and after["concurrency"] < before and after["rate_limited"] == 0
        await a.aclose()
        await b.aclose()


async def burst(hub, n: int) -> None:
    model = hub.model(MODEL)
    replies = await asyncio.gather(*(model.generate([Message(role="user", content=f"q{i}")]) for i in range(n)))
    assert all(r.text == "ok" for r in replies)
