"""What the annotation server asks of record matching: pair features, a pair classifier,
the match probability of each candidate pair.

An item the server stores is one candidate pair: ``{"left": {"id", "fields"},
"right": {"id", "fields"}, "kinds": {field: "string" | "numeric"}}`` (the two
records, and the compared fields with their kinds). Answers are ``"same"`` and
``"different"`` (:data:`~activelab.tasks.answers.PAIR_ANSWER`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from ...exceptions import ConfigError, DataError
from ...learner import ActiveLearner
from ...pool import Pool
from ._featurizer import PairFeaturizer
from ._learner import make_matching_model

__all__ = ["PAIR_KIND", "SAME", "DIFFERENT", "model_kind", "build_pair_features", "train",
           "describe_guess", "stored_records"]

#: The data kind of a server item that is a pair of records.
PAIR_KIND = "pair"
SAME, DIFFERENT = "same", "different"


def model_kind(data_kind: str, featurizer: str = "auto") -> str:
    """Pair features are numeric similarities: a ``"tabular"`` model, whatever the records."""
    del featurizer  # the similarities are the features; there is nothing else to choose
    if data_kind != PAIR_KIND:
        raise ConfigError(f"record matching compares pairs of records, not {data_kind!r} items")
    return "tabular"


def build_pair_features(data_kind: str, values: Iterable[Mapping[str, Any]],
                        featurizer: str = "auto") -> np.ndarray:
    """Per-field similarities of each stored pair (see :func:`pair_features`).

    Parameters
    ----------
    data_kind : str
        ``"pair"``.
    values : iterable of dict
        One stored pair per item: ``left`` and ``right`` records and the compared
        ``kinds``, the same in every pair of a project.
    featurizer : str
        Unused: pairs have one kind of features.

    Returns
    -------
    X : ndarray of shape (n_pairs, n_features)

    Examples
    --------
    >>> pair = {"left": {"id": "a", "fields": {"name": "Ada"}},
    ...         "right": {"id": "b", "fields": {"name": "Ada"}}, "kinds": {"name": "string"}}
    >>> build_pair_features("pair", [pair]).shape
    (1, 5)
    """
    model_kind(data_kind, featurizer)
    pairs = list(values)
    if not pairs:
        raise DataError("the project has no candidate pairs; import two tables first")
    kinds = dict(pairs[0].get("kinds") or {})
    if not kinds:
        raise DataError("a stored pair names no compared fields")
    return PairFeaturizer(kinds).fit_transform(stored_records(pairs))


def stored_records(pairs: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``{"left": fields, "right": fields}`` of each stored pair, for :class:`PairFeaturizer`."""
    return [{"left": pair["left"]["fields"], "right": pair["right"]["fields"]}
            for pair in pairs]


def train(X: Any, rows: np.ndarray, answers: Sequence[Any], *, labels: Sequence[str] = (),
          model: str, kind: str = "tabular", strategy: str,
          random_state: int = 0) -> ActiveLearner:
    """A learner over every candidate pair taught the answers of the pairs at ``rows``.

    ``labels`` are the project's answers (``same``, ``different``); ``kind`` is
    part of the server's call and unused (pair features are numeric). Its
    ``model_`` is None until both answers have been given.
    """
    del kind
    pool = Pool(X, classes=list(labels) or [SAME, DIFFERENT])
    learner = ActiveLearner(make_matching_model(model, random_state=random_state), pool,
                            strategy, random_state=random_state)
    learner.teach(rows, list(answers))
    return learner


def describe_guess(proba: np.ndarray, labels: Sequence[str]
                   ) -> tuple[list[dict[str, Any]], np.ndarray]:
    """The guessed answer of each pair with its match probability, and the guess's probability.

    Parameters
    ----------
    proba : ndarray of shape (n_pairs, 2)
        Probabilities of ``labels`` (``same`` among them).
    labels : sequence of str

    Returns
    -------
    guesses : list of dict
        ``{"guess": "same" | "different", "match_probability": p}`` per pair.
    confidence : ndarray of shape (n_pairs,)

    Examples
    --------
    >>> guesses, sure = describe_guess(np.array([[0.8, 0.2]]), ["same", "different"])
    >>> guesses[0]["guess"], sure.tolist()
    ('same', [0.8])
    """
    same = list(labels).index(SAME)
    best = proba.argmax(axis=1)
    guesses = [{"guess": labels[b], "match_probability": float(p)}
               for b, p in zip(best.tolist(), proba[:, same].tolist(), strict=True)]
    return guesses, proba[np.arange(len(best)), best]
