"""The answer panels of a labeller: a button per class, toggles and a submit button
per multi-label item, a number field for regression; each with its keyboard keys."""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from ..exceptions import ConfigError

__all__ = ["ClassPanel", "MultiLabelPanel", "NumberPanel", "SKIP_KEY", "UNDO_KEY",
           "SUBMIT_KEY", "class_keys"]

SKIP_KEY, UNDO_KEY, SUBMIT_KEY = "s", "u", "a"
_DIGITS = "1234567890"


def class_keys(classes: Sequence[Hashable]) -> dict[str, Hashable]:
    """The key of each class: a one-character class is typed as itself (a digit label
    as that digit); otherwise the classes take 1, 2, ..., 9, 0 in order."""
    names = [str(c) for c in classes]
    reserved = {SKIP_KEY, UNDO_KEY}
    if all(len(n) == 1 for n in names) and len(set(names)) == len(names) \
            and not reserved & set(names):
        return dict(zip(names, classes, strict=True))
    return dict(zip(_DIGITS, classes, strict=False))


def _label_with_key(label: Hashable, key: str | None) -> str:
    """A button's text: the label and, unless it is typed as itself, its key."""
    return str(label) if key is None or key == str(label) else f"{label} [{key}]"


class ClassPanel:
    """One button per class; a click (or its key) answers the item with that class."""

    def __init__(self, widgets: Any, classes: Sequence[Hashable],
                 answer: Callable[[Any], None]) -> None:
        if len(classes) < 2:
            raise ConfigError(f"a classification labeller needs at least two classes, got "
                              f"{list(classes)!r}")
        self.keys = class_keys(classes)
        key_of = {label: key for key, label in self.keys.items()}
        self.buttons: dict[Hashable, Any] = {}
        for label in classes:
            button = widgets.Button(description=_label_with_key(label, key_of.get(label)),
                                    tooltip=f"answer {label!r}")
            button.on_click(lambda _b, label=label: answer(label))
            self.buttons[label] = button
        self.box = widgets.HBox(list(self.buttons.values()))

    def press(self, key: str) -> bool:
        if key in self.keys:
            self.buttons[self.keys[key]].click()
            return True
        return False

    def set_enabled(self, enabled: bool) -> None:
        for button in self.buttons.values():
            button.disabled = not enabled

    def reset(self) -> None:
        """Nothing to clear between items."""


class MultiLabelPanel:
    """A toggle per label and a submit button: the answer is the set toggled on."""

    def __init__(self, widgets: Any, labels: Sequence[Hashable],
                 answer: Callable[[Any], None]) -> None:
        self.keys = dict(zip(_DIGITS, labels, strict=False))
        key_of = {label: key for key, label in self.keys.items()}
        self.toggles: dict[Hashable, Any] = {
            label: widgets.ToggleButton(value=False,
                                        description=_label_with_key(label, key_of.get(label)))
            for label in labels}
        self.submit_button = widgets.Button(description=f"submit [{SUBMIT_KEY}]",
                                            button_style="primary")
        self.submit_button.on_click(lambda _b: answer(self.chosen()))
        self.box = widgets.HBox([*self.toggles.values(), self.submit_button])

    def chosen(self) -> list[Hashable]:
        return [label for label, toggle in self.toggles.items() if toggle.value]

    def press(self, key: str) -> bool:
        if key == SUBMIT_KEY:
            self.submit_button.click()
        elif key in self.keys:
            toggle = self.toggles[self.keys[key]]
            toggle.value = not toggle.value
        else:
            return False
        return True

    def set_enabled(self, enabled: bool) -> None:
        for widget in [*self.toggles.values(), self.submit_button]:
            widget.disabled = not enabled

    def reset(self) -> None:
        for toggle in self.toggles.values():
            toggle.value = False


class NumberPanel:
    """A number field: Enter or the submit button answers with its value; anything
    that is not a finite number is refused with a message."""

    def __init__(self, widgets: Any, answer: Callable[[Any], None],
                 refuse: Callable[[str], None]) -> None:
        self._answer, self._refuse = answer, refuse
        self.keys: dict[str, Hashable] = {}
        self.field = widgets.Text(value="", placeholder="a number, then Enter",
                                  continuous_update=False, description="value")
        self.submit_button = widgets.Button(description="submit", button_style="primary")
        self.submit_button.on_click(lambda _b: self.submit())
        # Enter (or leaving the field) sends the value: continuous_update=False.
        self.field.observe(lambda change: self.submit() if change["new"] else None,
                           names="value")
        self.box = widgets.HBox([self.field, self.submit_button])

    def submit(self) -> None:
        text = self.field.value.strip()
        try:
            value = float(text)
        except ValueError:
            self._refuse(f"{text!r} is not a number; type a value such as 3.5")
            return
        if not math.isfinite(value):
            self._refuse(f"{text!r} is not a finite number")
            return
        self._answer(value)

    def press(self, key: str) -> bool:
        return False

    def set_enabled(self, enabled: bool) -> None:
        self.field.disabled = self.submit_button.disabled = not enabled

    def reset(self) -> None:
        self.field.value = ""
