"""`--evalkit-offline`: a local fake model endpoint that every client is pointed at.

Offline is an endpoint, not a code path: the suites' `offline_rules` are served
over HTTP by `FakeLLMServer`, evalkit's own hub gets its base URLs, and SDK-based
agents get OPENAI_BASE_URL / ANTHROPIC_BASE_URL plus dummy keys for the run. Every
registered provider is pointed there the same way (its `url_env` and `key_env`, from
the provider registry), so an installed provider or alias runs offline unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evalkit.plugin.environment import EnvironmentPatch

DUMMY_KEY = "sk-evalkit-offline"
DUMMY_KEYS = {"ANTHROPIC_API_KEY": "sk-ant-evalkit-offline"}  # a key shaped like the real ones, where SDKs check


def offline_environment(base_urls: dict[str, str]) -> dict[str, str]:
    """Each remote provider's base-URL variable -> the fake server, its key variable -> a dummy key."""
    from evalkit.llm.providers import remote_providers

    values: dict[str, str] = {}
    for spec in remote_providers():
        values[spec.url_env] = base_urls[spec.name]
        values[spec.key_env] = DUMMY_KEYS.get(spec.key_env, DUMMY_KEY)
    return values


def rules_files(loaded_suites: list[Any]) -> list[Path]:
    """Each suite's offline rules file, resolved relative to the suite file."""
    files: list[Path] = []
    for loaded in loaded_suites:
        name = loaded.suite.offline_rules
        if name:
            path = (Path(loaded.path).parent / name).resolve()
            if path not in files:
                files.append(path)
    return files


class OfflineEndpoint:
    """Owns the fake server and the environment changes of an offline run; `close()` undoes both."""

    def __init__(self, loaded_suites: list[Any]) -> None:
        from evalkit.llm.endpoint_identity import offline_identity
        from evalkit.llm.rules_file import load_rules
        from evalkit.testing.server import FakeLLMServer

        rules = [rule for path in rules_files(loaded_suites) for rule in load_rules(path)]
        self.identity = offline_identity(rules)  # what the response cache keys this endpoint by, not its port
        self.server = FakeLLMServer(rules).start()
        self._environment = EnvironmentPatch()
        for name, value in offline_environment(self.base_urls).items():
            self._environment.set(name, value)

    def handler_modules(self) -> list[str]:
        """Modules of the rules' `module:function` handlers (imported up front, see `evalkit.plugin.preload`)."""
        handlers = [getattr(rule, "handler", None) for rule in self.server.rules.rules]
        return [h.partition(":")[0] for h in handlers if isinstance(h, str)]

    @property
    def base_urls(self) -> dict[str, str]:
        """Every remote provider -> the fake server's address for its wire (`mock:` stays in-process)."""
        from evalkit.llm.providers import remote_providers

        return {spec.name: self.server.base_url(spec.name) for spec in remote_providers()}

    @property
    def endpoint_ids(self) -> dict[str, str]:
        """Each of its base URLs -> `offline:<rules fingerprint>`: another offline run of the same rules, on another
        port, reuses this run's cached judgements."""
        return dict.fromkeys(self.base_urls.values(), self.identity)

    def close(self) -> None:
        self._environment.restore()
        self.server.stop()


def with_factory_base_url(loaded: Any, base_urls: dict[str, str]) -> None:
    """Hand the fake endpoint to an agent factory that takes `base_url` explicitly (its provider's URL), after
    dropping every model endpoint the suite and its rubric files name (tiers, simulator, judges): offline, no model
    leaves 127.0.0.1."""
    import inspect

    loaded.suite = loaded.suite.without_endpoints()
    loaded.rubrics = {ref: _without_judge_endpoint(r) for ref, r in loaded.rubrics.items()}
    agent = loaded.suite.agent_config
    if getattr(agent, "kind", "") not in ("callable", "factory") or "base_url" in loaded.suite.agent_params:
        return
    try:
        from evalkit.conversation.agents.callable import load_target

        factory = load_target(agent.target)
        params = inspect.signature(factory).parameters
    except Exception:  # noqa: BLE001 - the session reports a broken agent with its own message
        return
    if "base_url" not in params:
        return
    provider = (loaded.suite.agent_models or ["openai:"])[0].split(":", 1)[0]
    url = base_urls.get(provider, base_urls["openai"])
    loaded.suite = loaded.suite.model_copy(update={"agent_params": {**loaded.suite.agent_params, "base_url": url}})


def _without_judge_endpoint(resolved: Any) -> Any:
    """A rubric file's `judge.base_url` dropped (its pinned fingerprint stays: the file did not change)."""
    judge = getattr(resolved.rubric, "judge", None)
    if judge is None or not judge.base_url:
        return resolved
    rubric = resolved.rubric.model_copy(update={"judge": judge.model_copy(update={"base_url": None})})
    return resolved.model_copy(update={"rubric": rubric})
