"""The limit settings table: RunConfig.limits reaches the hub, bad values name the setting, splits add up."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import ValidationError

from evalkit.limit_options import LIMIT_OPTIONS, check_limits
from evalkit.llm import Message, ModelHub
from evalkit.llm.adaptive import ConcurrencyController
from evalkit.llm.config import AdaptiveConfig, HubConfig, LimitSettings
from evalkit.llm.pacing import Cost, Pacer
from evalkit.llm.ratelimit_headers import Reading
from evalkit.run import RunConfig
from evalkit.testing import FAKE_KEY, FakeLLMServer, Rule


@pytest.mark.asyncio
async def test_run_config_limits_reach_the_hub_and_the_server_sees_them(tmp_path):
    """Told rpm 1,200 through RunConfig, 50 requests at once against a server allowing 1,800 with a burst of 48
    (no headers to learn from): nothing refused, and the snapshot says what was set. Unpaced, 2 would be refused;
    paced (20 at once, then 20 a second), a request may reach the server 1.4 s after its grant and still fit."""
    with FakeLLMServer(
        [Rule(text="ok")], latency_s=0.01, rpm=1800, rate_window_s=1.6, rate_limit_headers=False
    ) as server:
        config = RunConfig(
            base_urls={"openai": server.openai_base_url},
            cache_dir=tmp_path,
            limits={"rpm": 1200, "adaptive_max": 24, "rate_limit_wait_s": 60},
        )
        keyed = config.hub_config().model_dump() | {"api_keys": {"openai": FAKE_KEY}}
        async with ModelHub(HubConfig.model_validate(keyed)) as hub:
            model = hub.model("openai:gpt-4.1-mini")
            await asyncio.gather(*(model.generate([Message(role="user", content=f"q{i}")]) for i in range(50)))
            snap = hub.limits_snapshot()[0]
        assert server.rate_limit_stats.rejected == 0 and server.rate_limit_stats.accepted == 50
        assert snap["limits"]["rpm"] == 1200 and snap["limits"]["max"] == 24 and snap["paced_s"] > 0
        assert hub.retry_policy.rate_limit_wait_s == 60


def test_every_row_lands_in_hub_config():
    values = {
        "rpm": 10,
        "tpm": 1000,
        "adaptive": False,
        "adaptive_min": 3,
        "adaptive_start": 4,
        "adaptive_max": 5,
        "adaptive_increase": 0.5,
        "adaptive_decrease": 0.5,
        "adaptive_cooldown_s": 1.0,
        "pace": False,
        "pace_reserve": 0.2,
        "rate_limit_wait_s": 7.0,
        "shared_limits": False,
    }
    assert set(values) == {o.name for o in LIMIT_OPTIONS}  # a new row needs a line here
    hub = HubConfig(**LimitSettings(**values).hub_values())
    assert (hub.rpm, hub.tpm, hub.rate_limit_wait_s, hub.shared_limits) == (10, 1000, 7.0, False)
    assert hub.adaptive == AdaptiveConfig(
        enabled=False, min=3, start=4, max=5, increase=0.5, decrease=0.5, cooldown_s=1.0, pace=False, reserve=0.2
    )


def test_a_lone_max_pulls_the_default_start_inside_it():
    assert LimitSettings(adaptive_max=8).hub_values()["adaptive"] == {"max": 8, "start": 8}
    assert LimitSettings(adaptive_min=40).hub_values()["adaptive"] == {"min": 40, "start": 40}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"rpm": 0}, "rpm: expected an integer >= 1, got 0"),
        ({"rpm": 2.5}, "rpm: expected an integer >= 1, got 2.5"),
        ({"tpm": True}, "tpm: expected an integer >= 1, got True"),
        ({"adaptive_decrease": 1}, "adaptive_decrease: expected a number > 0 and < 1, got 1"),
        ({"adaptive": "perhaps"}, "adaptive: expected true or false, got 'perhaps'"),
        ({"adaptive_start": 50, "adaptive_max": 10}, "expected min <= start <= max, got min=2, start=50, max=10"),
        ({"burst": 3}, "burst: unknown limit setting; expected one of rpm, tpm"),
    ],
)
def test_bad_values_name_the_setting_and_what_was_expected(values, message):
    with pytest.raises(ValidationError) as info:
        RunConfig(limits=values)
    assert message in str(info.value)


def test_strings_from_a_command_line_are_converted():
    assert check_limits({"rpm": "60", "adaptive": "off", "pace_reserve": "0.1"}) == {
        "rpm": 60,
        "adaptive": False,
        "pace_reserve": 0.1,
    }


def test_a_split_controller_never_holds_more_than_the_bounds_together():
    total = AdaptiveConfig(min=3, start=16, max=25)
    halves = [ConcurrencyController(total, None, workers=2) for _ in range(2)]
    assert [(c.min, c.limit, c.max) for c in halves] == [(1, 8, 12)] * 2  # 12 + 12 <= 25
    one = halves[0]
    one.share(1)  # the other worker finished: this one may use it all
    assert (one.min, one.limit, one.max) == (3, 16, 25)
    static = ConcurrencyController(AdaptiveConfig(enabled=False), 10, workers=3)
    assert static.limit == static.max == 3


def test_a_pacer_with_a_share_spends_only_that_part_of_an_announced_budget():
    pacer = Pacer(rpm=120, tpm=None, learn=True, reserve=0.0, now=0.0, share=0.5)
    pacer.commit(Cost(), 0.0)
    assert pacer.delay(Cost(), 0.0) == pytest.approx(1.0)  # 60 rpm of the 120
    learned = Pacer(None, None, learn=True, reserve=0.0, now=0.0, share=0.25)
    learned.observe([Reading("requests", 100, 80, 2.0)], None, None, 0.0)
    assert learned.remaining(0.0) == {"requests": 20.0}
