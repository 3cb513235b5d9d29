"""Quoting user values in error messages, cut to a readable length.

An error that repeats what the client sent helps, but a 1 MB label name
repeated whole does not: every value a message echoes goes through
:func:`echo`, which keeps its start and says how long it was.
"""

from __future__ import annotations

from typing import Any

__all__ = ["echo", "ECHO_CHARS"]

#: Characters of a user value kept in an error message.
ECHO_CHARS = 60


def echo(value: Any, limit: int = ECHO_CHARS) -> str:
    """``repr(value)`` cut to about ``limit`` characters, saying how long it was.

    Lone surrogates and other unencodable characters are escaped, so the
    message can always be sent as UTF-8 JSON.

    Examples
    --------
    >>> echo("cat")
    "'cat'"
    >>> echo("x" * 1000, limit=10)
    "'xxxxxxxxx… (1000 characters)"
    """
    if isinstance(value, str) and len(value) > limit:
        head = repr(value[:limit - 1])[:-1]
        text = f"{head}… ({len(value)} characters)"
    else:
        text = repr(value)
        if len(text) > limit:
            text = f"{text[:limit - 1]}… ({len(text)} characters)"
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
