"""What a person answers about one item, checked, and written to / read from a file.

Each task declares its answers through an :class:`AnswerKind`: how a raw value
becomes the normalised answer (or an :class:`~activelab.exceptions.InvalidAnswerError`),
and how a normalised answer is written into one CSV cell and read back. The kinds
every task shares (a class, a number, same / different, ...) live here;
:func:`export_answers` and :func:`import_answers` write and read every task's
answers the same way, so an export of any task can be read back.

>>> space = AnswerSpace(labels=("cat", "dog"))
>>> CLASS_ANSWER.validate("dog", space)
'dog'
>>> text = export_answers(CLASS_ANSWER, ["a", "b"], ["cat", "dog"], "csv", space)
>>> import_answers(CLASS_ANSWER, text, "csv", space)
(['a', 'b'], ['cat', 'dog'])
"""

from __future__ import annotations

import csv
import io
import json
import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._echo import echo
from .._spreadsheet import neutralise_cell, restore_cell
from ..exceptions import ConfigError, DataError, InvalidAnswerError, UnknownLabelError

__all__ = ["AnswerSpace", "AnswerKind", "EXPORT_FORMATS", "MAX_LABEL_LIST", "CLASS_ANSWER",
           "NUMBER_ANSWER", "LABEL_SET_ANSWER", "PAIR_ANSWER", "ANOMALY_ANSWER", "REVIEW_ANSWER",
           "export_answers", "import_answers"]

#: The formats every task exports its answers to.
EXPORT_FORMATS = ("csv", "jsonl")
#: Entries of a multi-label answer (label names, repeated or not).
MAX_LABEL_LIST = 1_000


@dataclass(frozen=True)
class AnswerSpace:
    """What a project accepts: its label names, and for numbers an optional range."""

    labels: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class AnswerKind:
    """How one task's answers are checked and written.

    ``check(value, space)`` returns the normalised answer or raises
    :class:`~activelab.exceptions.InvalidAnswerError`; ``to_text`` writes a
    normalised answer into one CSV cell and ``from_text`` reads that cell back
    (before ``check``). ``item_columns`` names the columns an item id takes: one,
    or two for a question about a pair of items.
    """

    describe: str
    check: Callable[[Any, AnswerSpace], Any]
    to_text: Callable[[Any], str] = str
    from_text: Callable[[str], Any] = str.strip
    item_columns: tuple[str, ...] = field(default=("item",))

    def validate(self, value: Any, space: AnswerSpace | None = None) -> Any:
        """The normalised answer; InvalidAnswerError when ``value`` does not fit."""
        return self.check(value, space or AnswerSpace())


def _known_class(value: Any, space: AnswerSpace) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidAnswerError(f"a class answer is a label name, got {echo(value)}")
    if space.labels and value not in space.labels:
        raise UnknownLabelError(f"unknown label {echo(value)}; the labels are "
                                f"{echo(list(space.labels), 400)}")
    return value


def _number(value: Any, space: AnswerSpace) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real | str):
        raise InvalidAnswerError(f"a regression answer is a number, got {echo(value)}")
    try:
        number = float(value)
    except ValueError:
        raise InvalidAnswerError(f"a regression answer is a number, got {echo(value)}") from None
    if not math.isfinite(number):
        raise InvalidAnswerError(f"a regression answer is a finite number, got {echo(value)}")
    if (space.low is not None and number < space.low) or \
            (space.high is not None and number > space.high):
        raise InvalidAnswerError(f"{number:g} is outside the accepted range "
                                 f"[{space.low}, {space.high}]")
    return number


def _label_set(value: Any, space: AnswerSpace) -> list[str]:
    if not isinstance(value, list | tuple | set | frozenset):
        raise InvalidAnswerError(f"a multi-label answer is a list of label names, got "
                                 f"{echo(value)}")
    if len(value) > MAX_LABEL_LIST:
        raise InvalidAnswerError(f"a multi-label answer lists {len(value)} names; at most "
                                 f"{MAX_LABEL_LIST} are accepted")
    chosen = {_known_class(name, space) for name in value}
    order = space.labels or tuple(sorted(chosen))
    return [name for name in order if name in chosen]


def _one_of(what: str, true_word: str, false_word: str) -> Callable[[Any, AnswerSpace], str]:
    def check(value: Any, space: AnswerSpace) -> str:
        del space  # a fixed pair of answers
        if isinstance(value, bool):
            return true_word if value else false_word
        if isinstance(value, str) and value.strip().lower() in (true_word, false_word):
            return value.strip().lower()
        raise InvalidAnswerError(f"{what} is {true_word!r} or {false_word!r}, got "
                                 f"{echo(value)}")
    return check


def _review(value: Any, space: AnswerSpace) -> dict[str, str]:
    if isinstance(value, str) and value.strip().lower() == "keep":
        return {"action": "keep"}
    if isinstance(value, dict) and value.get("action") == "keep" and len(value) == 1:
        return {"action": "keep"}
    if isinstance(value, dict) and value.get("action") == "relabel" \
            and set(value) == {"action", "label"}:
        return {"action": "relabel", "label": _known_class(value["label"], space)}
    raise InvalidAnswerError("a review answer is 'keep' or {'action': 'relabel', 'label': "
                             f"<a known label>}}, got {echo(value)}")


def _review_text(answer: dict[str, str]) -> str:
    return "keep" if answer["action"] == "keep" else "relabel:" + answer["label"]


def _review_from_text(text: str) -> Any:
    action, _, label = text.strip().partition(":")
    return {"action": "relabel", "label": label} if action == "relabel" else action


CLASS_ANSWER = AnswerKind("one known class", _known_class)
NUMBER_ANSWER = AnswerKind("a finite number, optionally within a range", _number,
                           to_text=repr)
LABEL_SET_ANSWER = AnswerKind("a set of known labels", _label_set, to_text=";".join,
                              from_text=lambda text: [n.strip() for n in text.split(";")
                                                      if n.strip()])
PAIR_ANSWER = AnswerKind("'same' or 'different'",
                         _one_of("a pair answer", "same", "different"),
                         item_columns=("left", "right"))
ANOMALY_ANSWER = AnswerKind("'anomaly' or 'normal'",
                            _one_of("an anomaly answer", "anomaly", "normal"))
REVIEW_ANSWER = AnswerKind("'keep', or relabel to a known class", _review,
                           to_text=_review_text, from_text=_review_from_text)


def _check_format(format: str) -> None:
    if format not in EXPORT_FORMATS:
        raise ConfigError(f"unknown export format {format!r}; choose one of "
                          f"{', '.join(EXPORT_FORMATS)}")


def _item_values(kind: AnswerKind, item: Any) -> list[Any]:
    if len(kind.item_columns) == 1:
        return [item]
    if not isinstance(item, list | tuple) or len(item) != len(kind.item_columns):
        raise DataError(f"an item of this task is a pair ({', '.join(kind.item_columns)}), "
                        f"got {echo(item)}")
    return list(item)


def export_answers(kind: AnswerKind, items: Sequence[Any], answers: Sequence[Any],
                   format: str, space: AnswerSpace | None = None) -> str:
    """The answers as ``format`` text: one row per item, every answer checked first.

    CSV has the item column(s) and ``answer``; a text cell that a spreadsheet would run
    as a formula starts with ``'``. JSONL has one object per line with the same keys.

    Raises
    ------
    ConfigError
        An unknown format.
    DataError
        ``items`` and ``answers`` differ in length, or an item has the wrong shape.
    InvalidAnswerError
        An answer does not fit the task.
    """
    _check_format(format)
    if len(items) != len(answers):
        raise DataError(f"{len(items)} items but {len(answers)} answers")
    checked = [kind.validate(answer, space) for answer in answers]
    rows = [_item_values(kind, item) for item in items]
    if format == "jsonl":
        return "".join(json.dumps({**dict(zip(kind.item_columns, row, strict=True)),
                                   "answer": answer}) + "\n"
                       for row, answer in zip(rows, checked, strict=True))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*kind.item_columns, "answer"])
    for row, answer in zip(rows, checked, strict=True):
        writer.writerow([neutralise_cell(str(value)) for value in row]
                        + [neutralise_cell(kind.to_text(answer))])
    return out.getvalue()


def import_answers(kind: AnswerKind, text: str, format: str,
                   space: AnswerSpace | None = None) -> tuple[list[Any], list[Any]]:
    """``(items, answers)`` read back from an :func:`export_answers` text, answers checked.

    CSV gives item ids as text; JSONL keeps their JSON type. A pair item is a tuple.

    Raises
    ------
    ConfigError
        An unknown format.
    DataError
        A line that is not JSON, or a missing column (with its line number).
    InvalidAnswerError
        An answer that does not fit the task (with its line number).
    """
    _check_format(format)
    records: list[tuple[int, dict[str, Any], bool]] = []
    if format == "jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                raise DataError(f"line {number} is not JSON") from None
            if not isinstance(record, dict):
                raise DataError(f"line {number}: expected an object, got {echo(record)}")
            records.append((number, record, False))
    else:
        reader = csv.DictReader(io.StringIO(text))
        records = [(number, {key: restore_cell(value or "") for key, value in row.items()}, True)
                   for number, row in enumerate(reader, start=2)]
    items: list[Any] = []
    answers: list[Any] = []
    for number, record, from_csv in records:
        missing = [key for key in (*kind.item_columns, "answer") if key not in record]
        if missing:
            raise DataError(f"line {number}: missing {', '.join(missing)}")
        ids = [record[key] for key in kind.item_columns]
        items.append(ids[0] if len(ids) == 1 else tuple(ids))
        raw = kind.from_text(record["answer"]) if from_csv else record["answer"]
        try:
            answers.append(kind.validate(raw, space))
        except InvalidAnswerError as error:
            raise type(error)(f"line {number}: {error}") from None
    return items, answers
