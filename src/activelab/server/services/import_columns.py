"""Which columns of an import file are features, which one holds pre-labels, and the
gold answers (column ``gold``).

A column named like the project's label column (``label`` unless the project
or the import names another) is read as a pre-label, never as a feature:
a label shown to annotators as a feature would give the answer away, and a
label fed to the model as a feature would leak it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...exceptions import DataError, InvalidAnswerError
from ...tasks.registry import get_task
from ..models import Project
from .gold import GOLD_COLUMN
from .task_types import answer_space, data_kind, reviews_labels
from .tasks import ParsedItem, parse_item_row, parse_prelabel

__all__ = ["LabelColumnReader", "LIKELY_LABEL_COLUMNS", "repeated_ids"]

#: Feature column names that usually hold the answer: the report warns about them.
LIKELY_LABEL_COLUMNS = frozenset({"label", "labels", "target", "class", "y", "category"})


class LabelColumnReader:
    """Parses import rows for ``project``, reading ``column`` as a pre-label.

    Remembers what the report needs: the feature columns seen (first-seen
    order) and whether any row had the label column.
    """

    def __init__(self, project: Project, column: str) -> None:
        self.task_type = project.task_type
        self.classes = list(project.labels)
        self.space = answer_space(project)
        #: Cleaning: the label column is the given label, kept in the item's data.
        self.reviews = reviews_labels(project.task_type)
        self.column = column
        self._kind = data_kind(self.task_type)
        self.seen_label_column = False
        self._features: dict[str, None] = {}

    def parse(self, record: dict[str, Any]) -> ParsedItem:
        """One record as an item, its label column taken out and checked.

        Raises
        ------
        DataError
            The row is not a valid item, or its label is not in the project's set.
        """
        row = dict(record)
        raw = row.pop(self.column, None)
        gold = row.pop(GOLD_COLUMN, None)
        if self.column in record:
            self.seen_label_column = True
        parsed = parse_item_row(self.task_type, row)
        if self.reviews:
            parsed.data["given"] = self._given(raw)
        else:
            parsed.prelabel = self._answer(raw, f"label column {self.column!r}")
        parsed.gold = self._answer(gold, f"gold column {GOLD_COLUMN!r}")
        self._note_features(parsed)
        return parsed

    def _answer(self, raw: Any, column: str) -> Any:
        """A label read from the file, checked; None for an empty cell."""
        if raw is None or raw == "":
            return None
        try:
            return parse_prelabel(self.task_type, self.classes, raw, self.space)
        except InvalidAnswerError as error:  # UnknownLabelError among them
            raise DataError(f"{column}: {error}") from None

    def _given(self, raw: Any) -> str:
        """A cleaning row's given label: required, and one of the project's labels."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            raise DataError(f"a cleaning project imports labelled items: the row has no "
                            f"label in column {self.column!r}")
        value = str(raw).strip() if isinstance(raw, str | int) and not isinstance(raw, bool) \
            else raw
        try:
            return str(get_task("classification").validate_answer(value, self.space))
        except InvalidAnswerError as error:  # UnknownLabelError among them
            raise DataError(f"label column {self.column!r}: {error}") from None

    def _note_features(self, parsed: ParsedItem) -> None:
        if self._kind == "tabular":
            self._features.update(dict.fromkeys(parsed.data.get("columns", {})))
        else:
            self._features.setdefault(self._kind)

    @property
    def feature_columns(self) -> list[str]:
        return list(self._features)

    def report(self) -> dict[str, Any]:
        """``feature_columns``, ``label_column`` (None when no row had it) and ``warnings``."""
        warnings = [f"column {name!r} is used as a feature; if it holds the answer, import "
                    f"again with label_column={name} (or set the project's label column)"
                    for name in self._features if name.lower() in LIKELY_LABEL_COLUMNS]
        return {"feature_columns": self.feature_columns,
                "label_column": self.column if self.seen_label_column else None,
                "warnings": warnings}


def repeated_ids(records: Iterator[tuple[Any, ParsedItem | str]], unit: str = "line"
                 ) -> Iterator[tuple[Any, ParsedItem | str]]:
    """``records`` with every repeat of an external id within the file turned into an error.

    ``unit`` names the locations in the message (``line`` or ``file``).
    """
    first: dict[str, Any] = {}
    for where, parsed in records:
        if isinstance(parsed, ParsedItem) and parsed.external_id is not None:
            seen = first.setdefault(parsed.external_id, where)
            if seen != where:
                yield where, (f"id {parsed.external_id!r} appears twice in this file (first "
                              f"at {unit} {seen}); only the first is imported")
                continue
        yield where, parsed
