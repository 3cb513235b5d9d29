"""Learning curves of one seed, in the one shape every simulation records and
``activelab bench`` tabulates.

Every task's cell runner (see :mod:`activelab.tasks.registry`) returns a
:class:`TaskCurves`, made from its learner's history by :meth:`TaskCurves.from_history`;
the benchmark harness and ``activelab simulate --task`` know nothing else about the task.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["TaskCurves"]


@dataclass
class TaskCurves:
    """Learning curves of one seed.

    Attributes
    ----------
    n_labels : list of int
        Human answers spent after each round (labels, pair questions, ...);
        round 0 is the seed set.
    metrics : dict of str to list of float
        Each metric's value after each round, aligned with ``n_labels``.
    lower_is_better : set of str
        Metrics where smaller is better (RMSE, Hamming loss, ...).
    query_seconds, fit_seconds : list of float
        Time spent choosing and retraining in each round.
    reference : dict of str to float
        Figures measured once in the same run to compare the curve against:
        the full-data score, or an unsupervised baseline.
    """

    n_labels: list[int] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    lower_is_better: set[str] = field(default_factory=set)
    query_seconds: list[float] = field(default_factory=list)
    fit_seconds: list[float] = field(default_factory=list)
    reference: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_history(cls, history: Sequence[Any], metrics: Iterable[str], *,
                     lower_is_better: Iterable[str] = ()) -> TaskCurves:
        """The curves of a learner's ``history_`` (:class:`~activelab.Round` objects):
        labels, each of ``metrics`` (NaN in a round without it) and timings per round."""
        names = tuple(metrics)
        return cls(n_labels=[r.n_labeled for r in history],
                   metrics={m: [r.metrics.get(m, float("nan")) for r in history] for m in names},
                   lower_is_better=set(lower_is_better),
                   query_seconds=[r.query_seconds for r in history],
                   fit_seconds=[r.fit_seconds for r in history])

    def check(self) -> TaskCurves:
        """Raise if the curves are not aligned (a runner's bug, caught before tabulating)."""
        n = len(self.n_labels)
        lengths = {name: len(values) for name, values in self.metrics.items()}
        lengths["query_seconds"] = len(self.query_seconds)
        lengths["fit_seconds"] = len(self.fit_seconds)
        bad = {name: length for name, length in lengths.items() if length != n}
        if bad:
            raise ValueError(f"curves not aligned with {n} rounds: {bad}")
        return self
