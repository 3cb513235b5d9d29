"""Quoting user values in error messages: the library's :func:`activelab._echo.echo`."""

from .._echo import ECHO_CHARS, echo

__all__ = ["echo", "ECHO_CHARS"]
