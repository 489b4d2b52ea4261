from pathlib import Path

from run_helpers import make_suite

from evalkit.run import RunConfig, derive_seed, plan_run


def test_plan_is_suite_x_scenario_x_tier_x_trial_in_stable_order(tmp_path: Path) -> None:
    loaded = make_suite(tmp_path, scenarios=2, trials=3, tiers=["openai:small", "openai:big"])
    items = plan_run([loaded], RunConfig())
    assert len(items) == 2 * 2 * 3
    assert [i.key for i in items[:4]] == [
        "demo::s0[openai:small]#0",
        "demo::s0[openai:small]#1",
        "demo::s0[openai:small]#2",
        "demo::s0[openai:big]#0",
    ]
    assert len({i.key for i in items}) == len(items)
    assert items[0].item_key == "demo::s0[openai:small]"


def test_seeds_are_paired_across_tiers_and_differ_across_trials(tmp_path: Path) -> None:
    items = plan_run([make_suite(tmp_path, scenarios=1, trials=2, tiers=["a:x", "a:y"])], RunConfig())
    by = {(i.tier, i.trial): i.seed for i in items}
    assert by[("a:x", 0)] == by[("a:y", 0)]
    assert by[("a:x", 0)] != by[("a:x", 1)]
    assert by[("a:x", 0)] == derive_seed(7, "s0", 0)


def test_overrides_replace_trials_tiers_and_seed(tmp_path: Path) -> None:
    loaded = make_suite(tmp_path, scenarios=1, trials=5, tiers=["a:x"])
    items = plan_run([loaded], RunConfig(trials=2, tiers=["b:z"], seed=99))
    assert [(i.agent_model, i.trial) for i in items] == [("b:z", 0), ("b:z", 1)]
    assert items[0].seed == derive_seed(99, "s0", 0)


def test_scenario_trials_beat_suite_trials_and_no_tiers_means_default(tmp_path: Path) -> None:
    loaded = make_suite(tmp_path, scenarios=2, trials=3)
    loaded.suite.scenarios[1].trials = 1
    items = plan_run([loaded], RunConfig())
    assert [i.key for i in items if i.scenario_id == "s1"] == ["demo::s1[default]#0"]
    assert items[0].agent_model is None and items[0].tier == "default"
