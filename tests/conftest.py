# Plugins must be declared in the top-level conftest; `pytester` is for tests/plugin.
pytest_plugins = ["evalkit.testing.fixtures", "pytester"]
