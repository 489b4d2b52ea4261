"""Agents written the way outside users write them: against a provider SDK, knowing nothing of evalkit."""
