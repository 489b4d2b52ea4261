"""The package's top level: every advertised name resolves, and importing it stays cheap."""

import subprocess
import sys

import pytest

import evalkit


@pytest.mark.parametrize("name", [n for n in evalkit.__all__ if n != "__version__"])
def test_every_exported_name_resolves(name):
    assert getattr(evalkit, name) is not None


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_thing"):
        evalkit.no_such_thing  # noqa: B018


def test_import_does_not_pull_in_the_engine():
    """pytest imports evalkit for every run through the plugin entry point: that must not cost the SDKs."""
    code = (
        "import sys, evalkit; print(sorted(m for m in ('openai', 'anthropic', 'pandas', 'jinja2') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
