"""evalkit's pytest plugin. Inert unless the project has evalkit suites."""
