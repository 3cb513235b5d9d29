"""How a message names a parameter: the library's keyword, or the command line's option.

The same error reaches a Python user (``text_column='body'``) and a CLI user
(``--text-column body``); the CLI runs inside :func:`cli_spelling`, so hints name what
each one can type.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["cli_spelling", "parameter"]

_CLI: ContextVar[bool] = ContextVar("activelab_cli_spelling", default=False)


def parameter(name: str, value: str | None = None) -> str:
    """``name`` (with ``value``) as the user can type it.

    Parameters
    ----------
    name : str
        The Python keyword, e.g. ``"text_column"``; its option is ``--text-column``.
    value : str, optional
        The value to suggest.

    Examples
    --------
    >>> parameter("text_column", "body"), parameter("target")
    ("text_column='body'", 'target=')
    >>> with cli_spelling():
    ...     parameter("text_column", "body"), parameter("target")
    ('--text-column body', '--target')
    """
    if _CLI.get():
        option = "--" + name.replace("_", "-")
        return option if value is None else f"{option} {shlex.quote(value)}"
    return f"{name}=" if value is None else f"{name}={value!r}"


@contextmanager
def cli_spelling() -> Iterator[None]:
    """Within this block, :func:`parameter` spells command-line options."""
    token = _CLI.set(True)
    try:
        yield
    finally:
        _CLI.reset(token)
