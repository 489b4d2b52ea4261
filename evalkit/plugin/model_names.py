"""Moved to `evalkit.run.model_names` (the preflight, in the run layer, and `evalkit validate --deep` read it)."""

from evalkit.run.model_names import model_name_problems

__all__ = ["model_name_problems"]
