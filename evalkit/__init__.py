"""evalkit: evaluate non-deterministic LLM agents in CI."""

__version__ = "0.1.0"


def __getattr__(name: str):  # lazy, so `import evalkit` stays cheap for the pytest plugin
    if name == "load_run":
        from evalkit.run.load import load_run

        return load_run
    if name in ("run_scenario", "ScenarioResult"):
        from evalkit.plugin import api

        return getattr(api, name)
    raise AttributeError(f"module 'evalkit' has no attribute {name!r}")
