"""evalkit: evaluate non-deterministic LLM agents in CI."""

__version__ = "0.1.0"
