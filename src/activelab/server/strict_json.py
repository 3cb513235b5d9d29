"""Strict JSON: what every request body and every JSONL import line is parsed with.

Python's ``json`` accepts more than JSON, and more than the server can store
or send back:

- ``NaN``, ``Infinity`` and ``-Infinity`` (not JSON at all), and numbers that
  overflow to infinity (``1e999``); integers of more than 4300 digits raise a
  plain ``ValueError``;
- ``"\\ud800"``: a lone surrogate, which no UTF-8 response or database can hold;
- ``"\\u0000"``: PostgreSQL cannot store a NUL character in text or JSONB;
- ``[[[[...]]]]`` nested deeper than the interpreter's recursion limit.

:func:`loads_strict` refuses all of them with a :class:`InvalidJSONError`
saying what and where.  ``strict_input.StrictInputMiddleware`` applies it to
every JSON request body before any route sees it (HTTP 422), so each request
schema receives only finite numbers and storable strings; JSONL imports parse
each line with it.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from ..exceptions import DataError

__all__ = ["InvalidJSONError", "loads_strict", "check_text", "find_bad_text", "repaired",
           "MAX_JSON_DEPTH"]

#: Deepest nesting of arrays and objects accepted (the API's bodies need 4).
MAX_JSON_DEPTH = 64
_MAX_INT_DIGITS = 100
_BAD_CHAR = re.compile("[\x00\ud800-\udfff]")


class InvalidJSONError(DataError):
    """A JSON document that is malformed or holds a value the server cannot keep (HTTP 422)."""


def find_bad_text(text: str) -> str | None:
    """Why ``text`` cannot be stored (a NUL or a lone surrogate), or None when it can."""
    match = _BAD_CHAR.search(text)
    if match is None:
        return None
    if match.group() == "\x00":
        return f"holds a NUL character (at character {match.start() + 1})"
    return (f"holds a lone surrogate \\u{ord(match.group()):04x} (at character "
            f"{match.start() + 1}), which is not valid Unicode text")


def check_text(value: Any, where: str = "the value") -> None:
    """Raise :class:`InvalidJSONError` when any string in ``value`` (keys included) is bad.

    ``value`` is a parsed JSON document (dicts, lists, scalars); it is walked
    without recursion, and nesting deeper than :data:`MAX_JSON_DEPTH` is refused.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            problem = find_bad_text(node)
            if problem is not None:
                raise InvalidJSONError(f"{where}: a string {problem}")
        elif isinstance(node, dict | list):
            if depth >= MAX_JSON_DEPTH:
                raise InvalidJSONError(f"{where}: nested more than {MAX_JSON_DEPTH} levels deep")
            children = [*node.keys(), *node.values()] if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)


def repaired(value: Any) -> Any:
    """``value`` with each NUL and lone surrogate in its strings replaced by U+FFFD.

    For values stored before they were checked: what is shown must always
    encode as UTF-8.  Returns ``value`` itself when nothing needed replacing.
    """
    if isinstance(value, str):
        return _BAD_CHAR.sub("\ufffd", value) if _BAD_CHAR.search(value) else value
    if isinstance(value, dict):
        return {repaired(key): repaired(child) for key, child in value.items()}
    if isinstance(value, list):
        return [repaired(child) for child in value]
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"the number {text[:40]} is too large")
    return number


def _bounded_int(text: str) -> int:
    if len(text) > _MAX_INT_DIGITS:
        raise ValueError(f"an integer of {len(text)} digits is too large")
    return int(text)


def loads_strict(document: str | bytes, where: str = "the JSON") -> Any:
    """Parse ``document`` as strict JSON.

    Raises
    ------
    InvalidJSONError
        The document is not JSON, holds ``NaN``/``Infinity``, a number that
        overflows, a NUL or a lone surrogate in a string, or is nested more than
        :data:`MAX_JSON_DEPTH` levels deep.
    """
    try:
        value = json.loads(document, parse_constant=_reject_constant,
                           parse_float=_finite_float, parse_int=_bounded_int)
    except json.JSONDecodeError as error:
        raise InvalidJSONError(f"{where} is not valid JSON: {error.msg} "
                               f"(line {error.lineno}, column {error.colno})") from None
    except RecursionError:
        raise InvalidJSONError(f"{where}: nested more than {MAX_JSON_DEPTH} levels "
                               "deep") from None
    except UnicodeDecodeError:
        raise InvalidJSONError(f"{where} is not valid UTF-8") from None
    except ValueError as error:
        raise InvalidJSONError(f"{where}: {error}") from None
    check_text(value, where)
    return value
