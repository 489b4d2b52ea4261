"""The pytest plugin, split by concern; `evalkit.pytest_plugin` is the entry point."""
