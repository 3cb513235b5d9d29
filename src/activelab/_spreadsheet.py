"""CSV cells a spreadsheet will not run as formulas (OWASP CSV injection)."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["neutralise_cell", "restore_cell"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def neutralise_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: a leading ``'`` before a formula start.

    A number (``-3.5``) stays as it is.

    >>> neutralise_cell("=SUM(A1:A9)"), neutralise_cell("-3.5"), neutralise_cell(7)
    ("'=SUM(A1:A9)", '-3.5', 7)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) \
            and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def restore_cell(text: str) -> str:
    """The text :func:`neutralise_cell` was given, from its cell."""
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text
