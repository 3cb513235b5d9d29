"""Oracles: whoever answers the label questions (a dataset in simulation, or a person)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from ._random import RandomLike, as_generator
from .exceptions import ConfigError, DataError, OracleStopped
from .pool import Pool

__all__ = ["SimulatedOracle", "TerminalOracle"]


class SimulatedOracle(BaseEstimator):
    """Answers from known labels, optionally flipping a fraction to simulate mistakes.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        The true label of every pool item.
    noise_rate : float in [0, 1), default=0
        Probability that an answer is replaced by a different class, drawn
        uniformly from the other classes.
    classes : sequence, default=None
        Classes noisy answers are drawn from (default: the distinct values of ``y``).
    random_state : int, Generator or None

    Attributes
    ----------
    n_queries_ : int
        Labels given so far.
    n_flipped_ : int
        How many of them were wrong on purpose.

    Examples
    --------
    >>> oracle = SimulatedOracle(["a", "b", "a"])
    >>> oracle.label(None, [2, 1])
    ['a', 'b']
    """

    def __init__(self, y: Sequence[Hashable] | np.ndarray, *, noise_rate: float = 0.0,
                 classes: Sequence[Hashable] | None = None,
                 random_state: RandomLike = None) -> None:
        if not 0.0 <= noise_rate < 1.0:
            raise ConfigError(f"noise_rate must be in [0, 1), got {noise_rate}")
        self.y = y
        self.noise_rate = noise_rate
        self.classes = classes
        self.random_state = random_state
        self.n_queries_ = 0
        self.n_flipped_ = 0
        self._rng: np.random.Generator | None = None

    def label(self, pool: Pool | None, indices: Sequence[int] | np.ndarray) -> list[Any]:
        """Labels of ``indices`` (``pool`` is unused: the answers are known)."""
        idx = np.asarray(indices, dtype=np.intp)
        known = np.asarray(self.y)
        if idx.size and (idx.min() < 0 or idx.max() >= len(known)):
            raise DataError(f"the oracle knows {len(known)} labels; indices out of range")
        answers = known[idx].tolist()
        if self.noise_rate > 0:
            if self._rng is None:
                self._rng = as_generator(self.random_state)
            classes = list(self.classes) if self.classes is not None else np.unique(
                known).tolist()
            for position in np.flatnonzero(self._rng.random(len(idx)) < self.noise_rate):
                others = [c for c in classes if c != answers[position]]
                if others:
                    answers[position] = others[int(self._rng.integers(len(others)))]
                    self.n_flipped_ += 1
        self.n_queries_ += len(idx)
        return answers


def _default_show(pool: Pool, index: int) -> str:
    item = pool.take([index])
    if hasattr(item, "iloc"):
        return item.iloc[0].to_string()
    row = item[0]
    if hasattr(row, "toarray"):
        row = row.toarray().ravel()
    if isinstance(row, str):
        return row
    return np.array2string(np.asarray(row), threshold=40, precision=3)


class TerminalOracle(BaseEstimator):
    """Asks a person at the terminal: shows each item, reads its label from the keyboard.

    The person types a class (its name, or its number in the printed list),
    ``s`` to skip the item, or ``q`` to stop; answers given before ``q`` are kept.

    Parameters
    ----------
    classes : sequence of str or int
        The label set offered.
    show : callable ``(pool, index) -> str``, default=None
        How an item is displayed (default: the raw text or the feature row).
    input_fn : callable, default=input
        Reads one line; replaceable so the oracle can be driven by another program.
    print_fn : callable, default=print

    Examples
    --------
    A script stands in for the person here: a class name, a number, a skip.

    >>> import numpy as np
    >>> from activelab import Pool, TerminalOracle
    >>> answers = iter(["cat", "2", "s"])
    >>> oracle = TerminalOracle(["cat", "dog"], input_fn=lambda prompt: next(answers),
    ...                         print_fn=lambda *args, **kwargs: None)
    >>> oracle.label(Pool(np.zeros((3, 2))), [0, 1, 2])
    ['cat', 'dog', None]
    """

    SKIP = "s"
    QUIT = "q"

    def __init__(self, classes: Sequence[Hashable], *,
                 show: Callable[[Pool, int], str] | None = None,
                 input_fn: Callable[[str], str] = input,
                 print_fn: Callable[..., None] = print) -> None:
        if not classes:
            raise ConfigError("TerminalOracle needs the list of classes to offer")
        self.classes = classes
        self.show = show
        self.input_fn = input_fn
        self.print_fn = print_fn

    def _parse(self, answer: str) -> tuple[bool, Any]:
        """``(valid, label)``; label None means skip."""
        text = answer.strip()
        if text.lower() == self.SKIP:
            return True, None
        for label in self.classes:
            if text == str(label):
                return True, label
        if text.isdigit() and 1 <= int(text) <= len(self.classes):
            return True, self.classes[int(text) - 1]
        return False, None

    def label(self, pool: Pool, indices: Sequence[int] | np.ndarray) -> list[Any]:
        show = self.show or _default_show
        menu = "  ".join(f"[{i}] {c}" for i, c in enumerate(self.classes, start=1))
        answers: list[Any] = []
        for position, index in enumerate(np.asarray(indices).tolist(), start=1):
            self.print_fn(f"\nItem {position}/{len(indices)} (#{index}):\n{show(pool, index)}")
            self.print_fn(f"{menu}   [s] skip  [q] quit")
            while True:
                try:
                    answer = self.input_fn("label> ")
                except EOFError:
                    raise OracleStopped("input closed", answers) from None
                if answer.strip().lower() == self.QUIT:
                    raise OracleStopped("quit at the terminal", answers)
                valid, label = self._parse(answer)
                if valid:
                    answers.append(label)
                    break
                self.print_fn(f"'{answer.strip()}' is not one of the classes; try again")
        return answers
