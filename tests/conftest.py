pytest_plugins = ["evalkit.testing.fixtures"]
