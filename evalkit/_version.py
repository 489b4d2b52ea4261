"""The one place evalkit's version is written.

`evalkit.__version__`, the package metadata (pyproject's dynamic version), run.json and every
score's provenance read it from here. Stdlib-free on purpose: any layer may import it without
importing `evalkit/__init__.py`'s public API.
"""

__version__ = "0.1.0"
