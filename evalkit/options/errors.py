"""The one error a bad setting raises: its message is one line naming the setting, where it came from and
what was expected (the pytest plugin turns it into a usage error, exit status 4)."""

from __future__ import annotations


class OptionError(ValueError):
    """A setting that cannot be used, said in one line."""
