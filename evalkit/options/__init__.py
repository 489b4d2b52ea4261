"""evalkit.options: the one table of run settings, and how the routes that set them are merged.

Stdlib only, so the pytest plugin may import it on every pytest run (see `table.py`).
"""

from evalkit.options.errors import OptionError
from evalkit.options.option import Option, parse_bool
from evalkit.options.pyproject import ToolTable, read_tool_table
from evalkit.options.resolve import Resolved, Sources, resolve
from evalkit.options.table import ADAPTIVE_BOUNDS, ALIASES, BY_NAME, EXECUTORS, LIMIT_OPTIONS, OPTIONS

__all__ = [
    "ADAPTIVE_BOUNDS",
    "ALIASES",
    "BY_NAME",
    "EXECUTORS",
    "LIMIT_OPTIONS",
    "OPTIONS",
    "Option",
    "OptionError",
    "Resolved",
    "Sources",
    "ToolTable",
    "parse_bool",
    "read_tool_table",
    "resolve",
]
