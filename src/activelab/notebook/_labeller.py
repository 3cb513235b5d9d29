"""Label a learner's queries in a Jupyter notebook, one item at a time."""

from __future__ import annotations

import html
import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..exceptions import ActivelabError, ConfigError
from ..learner import ActiveLearner
from ..tasks.multilabel import MultiLabelLearner
from ..tasks.regression import RegressionLearner
from ._answers import SKIP_KEY, UNDO_KEY, ClassPanel, MultiLabelPanel, NumberPanel
from ._display import ITEM_KINDS, curve_svg, image_bytes, item_kind, table_html, text_html
from ._widgets import import_widgets

__all__ = ["Labeller", "Answer"]

_SKIPPED = object()


@dataclass(frozen=True)
class Answer:
    """One answer given in the labeller: ``value`` is ``None`` for a skipped item."""

    index: int
    value: Any


class Labeller:
    """Answer a learner's queries in a notebook widget; it retrains as answers come in.

    Each query is shown with a button per class (classification), toggles and a
    submit button (multi-label) or a number field (regression), plus skip and
    undo.  Every answer is taught to the learner at once, so the model retrains
    after each one; when the queried batch is answered the learner is asked for
    the next.  Before the model can be fitted the items are drawn at random.

    Keys: type into the *keys* box (click it once): a class's key answers it,
    ``s`` skips, ``u`` undoes the last answer, ``a`` submits the multi-label toggles.

    Parameters
    ----------
    learner : ActiveLearner, MultiLabelLearner or RegressionLearner
    items : sequence or DataFrame of length n_samples, default=None
        What a person sees for each pool item: texts, images (arrays of shape
        (H, W) or (H, W, 3|4), or paths), or table rows.  ``None`` shows the
        pool's own rows.
    kind : {"auto", "text", "image", "table"}, default="auto"
        How items are shown; ``"auto"`` decides per item.
    classes : sequence, default=None
        The answer buttons of a classification learner; default the pool's
        declared classes.
    batch_size : int, default=1
        Items asked of the learner at a time.
    columns : sequence of str, default=None
        Column names of table rows (a DataFrame's own are used otherwise).

    Attributes
    ----------
    widget : ipywidgets.VBox
        What the notebook shows (a labeller displays as it).
    answers_ : list of Answer
        Every answer still in force, oldest first (undo removes the last).
    current : int or None
        The pool index on screen; ``None`` once the pool is exhausted.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from activelab import ActiveLearner, Pool
    >>> X = np.arange(20.0).reshape(10, 2)
    >>> learner = ActiveLearner(LogisticRegression(), Pool(X, classes=["lo", "hi"]),
    ...                         random_state=0)
    >>> labeller = Labeller(learner)
    >>> labeller.buttons["lo"].click()
    >>> learner.pool.n_labeled
    1
    """

    def __init__(self, learner: Any, items: Any = None, *, kind: str = "auto",
                 classes: Sequence[Hashable] | None = None, batch_size: int = 1,
                 columns: Sequence[Any] | None = None) -> None:
        widgets = import_widgets()
        if not isinstance(learner, ActiveLearner | MultiLabelLearner | RegressionLearner):
            raise ConfigError("Labeller needs an ActiveLearner, MultiLabelLearner or "
                              f"RegressionLearner, got {type(learner).__name__}")
        if kind not in ITEM_KINDS:
            raise ConfigError(f"kind must be one of {', '.join(ITEM_KINDS)}, got {kind!r}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ConfigError(f"batch_size must be a positive int, got {batch_size!r}")
        self.learner, self.kind, self.batch_size = learner, kind, batch_size
        self.items = self._check_items(learner.pool, items)
        self.columns = list(columns) if columns is not None else None
        self.answers_: list[Answer] = []
        self.current: int | None = None
        self._queue: list[int] = []
        self.panel = self._make_panel(widgets, learner, classes)
        self.buttons: dict[Hashable, Any] = getattr(self.panel, "buttons", {})
        self.toggles: dict[Hashable, Any] = getattr(self.panel, "toggles", {})
        self.skip_button = widgets.Button(description=f"skip [{SKIP_KEY}]")
        self.skip_button.on_click(lambda _b: self._record(_SKIPPED))
        self.undo_button = widgets.Button(description=f"undo [{UNDO_KEY}]", disabled=True)
        self.undo_button.on_click(lambda _b: self.undo())
        self.key_box = widgets.Text(value="", placeholder="keys", continuous_update=True,
                                    layout=widgets.Layout(width="6em"))
        self.key_box.observe(self._on_key, names="value")
        self.item_box = widgets.Box()
        self.why = widgets.HTML()
        self.message = widgets.HTML()
        self.progress = widgets.HTML()
        self._widgets = widgets
        self.widget = widgets.VBox([
            self.progress, self.item_box, self.why, self.panel.box,
            widgets.HBox([self.skip_button, self.undo_button, self.key_box]), self.message])
        self._advance()

    # ------------------------------------------------------------------ set-up
    @staticmethod
    def _check_items(pool: Any, items: Any) -> Any:
        if items is None:
            if sp.issparse(pool.X):
                raise ConfigError("the pool's features are sparse: pass items= (the texts "
                                  "or images a person should see)")
            return pool.X
        if len(items) != pool.n_samples:
            raise ConfigError(f"items has {len(items)} entries but the pool "
                              f"{pool.n_samples} items")
        return items

    def _make_panel(self, widgets: Any, learner: Any, classes: Sequence[Hashable] | None
                    ) -> ClassPanel | MultiLabelPanel | NumberPanel:
        if isinstance(learner, MultiLabelLearner):
            return MultiLabelPanel(widgets, learner.pool.labels_, self._record)
        if isinstance(learner, RegressionLearner):
            return NumberPanel(widgets, self._record, self._say)
        if classes is None:
            if not learner.pool.classes_declared:
                raise ConfigError("the labeller needs the classes for its buttons: declare "
                                  "them (Pool(X, classes=[...])) or pass classes=[...]")
            classes = learner.pool.classes_.tolist()
        return ClassPanel(widgets, list(classes), self._record)

    # ------------------------------------------------------------------ actions
    def press(self, key: str) -> None:
        """Act as the key ``key`` would (what typing it into the keys box does)."""
        if key == SKIP_KEY:
            self.skip_button.click()
        elif key == UNDO_KEY:
            self.undo_button.click()
        elif not self.panel.press(key):
            self._say(f"no action for the key {key!r}")

    def _on_key(self, change: dict[str, Any]) -> None:
        typed = change["new"]
        if typed:
            self.key_box.value = ""
            self.press(typed[-1])

    def undo(self) -> None:
        """Take back the last answer and show its item again."""
        if not self.answers_:
            self._say("nothing to undo")
            return
        last = self.answers_.pop()
        pool = self.learner.pool
        if last.value is None:
            pool.unskip([last.index])
        elif hasattr(self.learner, "remove_labels"):
            self.learner.remove_labels([last.index])
        else:  # the multi-label learner retrains at its next answer
            pool.remove_labels([last.index])
        self._queue.insert(0, last.index)
        self._say(f"undone: item {last.index}")
        self._advance()

    def _record(self, value: Any) -> None:
        if self.current is None:
            self._say("every item is labelled or skipped")
            return
        index = self.current
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                self._teach(index, value)
        except ActivelabError as error:
            self._say(str(error))
            return
        skipped = value is _SKIPPED
        self.answers_.append(Answer(index, None if skipped else value))
        self._queue.pop(0)
        self._say("; ".join(str(w.message) for w in caught))
        self._advance()

    def _teach(self, index: int, value: Any) -> None:
        if value is _SKIPPED:
            if isinstance(self.learner, MultiLabelLearner):
                self.learner.pool.skip([index])
            else:
                self.learner.skip([index])
        else:
            self.learner.teach([index], [value])

    # ------------------------------------------------------------------ screen
    def _advance(self) -> None:
        if not self._queue:
            self._queue = self._next_batch()
        self.current = self._queue[0] if self._queue else None
        self.panel.reset()
        self.panel.set_enabled(self.current is not None)
        self.skip_button.disabled = self.current is None
        self.undo_button.disabled = not self.answers_
        self._show_item()
        self._show_progress()

    def _next_batch(self) -> list[int]:
        learner, pool = self.learner, self.learner.pool
        n = min(self.batch_size, pool.n_unlabeled)
        if n == 0:
            return []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                if learner.model_ is None and hasattr(learner, "initial_query"):
                    indices = learner.initial_query(n)
                elif learner.model_ is None:
                    indices = learner.rng.choice(pool.unlabeled_indices, size=n, replace=False)
                else:
                    indices = learner.query(n)
            except ActivelabError as error:  # e.g. a strategy that cannot score this pool
                self._say(f"no next item: {error}")
                return []
        if caught:
            self._say("; ".join(str(w.message) for w in caught))
        return [int(i) for i in indices]

    def _show_item(self) -> None:
        widgets = self._widgets
        if self.current is None:
            done = self.learner.pool.n_unlabeled == 0
            self.item_box.children = [widgets.HTML(
                "<b>Every item is labelled or skipped.</b>" if done else "<b>No item to show.</b>")]
            self.why.value = ""
            return
        item = self.items.iloc[self.current] if hasattr(self.items, "iloc") \
            else self.items[self.current]
        kind = item_kind(item) if self.kind == "auto" else self.kind
        if kind == "image":
            data, fmt = image_bytes(item)
            shown = widgets.Image(value=data, format=fmt, layout=widgets.Layout(width="160px"))
        elif kind == "text":
            shown = widgets.HTML(text_html(item))
        else:
            shown = widgets.HTML(table_html(item, self.columns))
        self.item_box.children = [shown]
        self.why.value = self._why(self.current)

    def _why(self, index: int) -> str:
        """The strategy's score and, for a classifier, the model's guess."""
        parts = [f"item {index}"]
        score = self.learner._pending.get(index)
        if score is not None:
            value, origin = score
            parts.append(origin if np.isnan(value) else f"{origin} score {value:.3g}")
        if isinstance(self.learner, ActiveLearner) and self.learner.model_ is not None:
            proba = self.learner.predict_proba(self.learner.pool.take([index]))[0]
            best = int(np.argmax(proba))
            guess = self.learner.pool.decode([best]).tolist()[0]
            parts.append(f"model guesses {guess!r} ({proba[best]:.0%})")
        return f"<small>{html.escape(' · '.join(parts))}</small>"

    def _show_progress(self) -> None:
        pool, history = self.learner.pool, self.learner.history_
        text = (f"{pool.n_labeled} labelled · {len(pool.ignored_indices)} skipped · "
                f"{pool.n_unlabeled} left")
        if isinstance(self.learner, ActiveLearner) and pool.n_classes:
            counts = ", ".join(f"{c}: {n}" for c, n in
                               zip(pool.classes_.tolist(), pool.class_counts().tolist(),
                                   strict=True))
            text += f" ({counts})"
        chart = ""
        metrics = history[-1].metrics if history else {}
        if metrics:  # a learning curve needs an eval_set; the counts above always show
            name = next(iter(metrics))
            text += f" · {name} {metrics[name]:.3f}"
            chart = curve_svg([r.n_labeled for r in history],
                              [r.metrics.get(name, np.nan) for r in history], label=name)
        self.progress.value = f"<div>{html.escape(text)}</div>{chart}"

    def _say(self, text: str) -> None:
        self.message.value = f"<span>{html.escape(text, quote=False)}</span>" if text else ""

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
