"""Several annotators per item: majority vote and Dawid–Skene EM.

Both are pure functions of a list of ``(item, annotator, label)`` triples, so
the annotation service's overlap mode can call them on whatever it stored.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..._random import RandomLike, as_generator
from ...exceptions import ConfigError, DataError, UnknownLabelError

__all__ = ["majority_vote", "dawid_skene", "DawidSkeneResult"]

Annotation = tuple[Hashable, Hashable, Hashable]


class _Encoded(NamedTuple):
    items: list[Hashable]
    annotators: list[Hashable]
    classes: list[Hashable]
    item: np.ndarray
    annotator: np.ndarray
    label: np.ndarray


def _encode(annotations: Iterable[Annotation],
            classes: Sequence[Hashable] | None) -> _Encoded:
    rows = list(annotations)
    if not rows:
        raise DataError("no annotations given")
    for position, row in enumerate(rows):
        if not isinstance(row, tuple | list) or len(row) != 3:
            raise DataError(f"annotation {position} must be (item, annotator, label), got "
                            f"{row!r}")
        if row[2] is None or (isinstance(row[2], float) and np.isnan(row[2])):
            raise UnknownLabelError(f"annotation {position} has no label ({row[2]!r})")
    try:
        items = list(dict.fromkeys(r[0] for r in rows))
        annotators = list(dict.fromkeys(r[1] for r in rows))
        seen = list(dict.fromkeys(r[2] for r in rows))
    except TypeError:
        raise DataError("items, annotators and labels must be hashable") from None
    if classes is None:
        classes = sorted(seen, key=lambda c: (type(c).__name__, c))
    else:
        classes = list(classes)
        unknown = [c for c in seen if c not in set(classes)]
        if unknown:
            raise UnknownLabelError(f"unknown labels {unknown[:5]!r}; declared classes are "
                                    f"{classes!r}")
    item_of = {v: i for i, v in enumerate(items)}
    annotator_of = {v: i for i, v in enumerate(annotators)}
    class_of = {v: i for i, v in enumerate(classes)}
    return _Encoded(items, annotators, list(classes),
                    np.array([item_of[r[0]] for r in rows], dtype=np.intp),
                    np.array([annotator_of[r[1]] for r in rows], dtype=np.intp),
                    np.array([class_of[r[2]] for r in rows], dtype=np.intp))


def _vote_counts(enc: _Encoded) -> np.ndarray:
    counts = np.zeros((len(enc.items), len(enc.classes)))
    np.add.at(counts, (enc.item, enc.label), 1.0)
    return counts


def _argmax_random_ties(matrix: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    noise = rng.random(matrix.shape)
    best = matrix == matrix.max(axis=1, keepdims=True)
    return np.argmax(np.where(best, noise, -1.0), axis=1)


def majority_vote(annotations: Iterable[Annotation], *,
                  classes: Sequence[Hashable] | None = None,
                  random_state: RandomLike = 0) -> dict[Hashable, Hashable]:
    """The most frequent label of each item; ties are broken at random (seeded).

    Parameters
    ----------
    annotations : iterable of (item, annotator, label)
    classes : sequence, default=None
        Declared classes (unknown labels raise :class:`UnknownLabelError`).
    random_state : int, Generator or None, default=0

    Returns
    -------
    labels : dict item -> label

    Examples
    --------
    >>> majority_vote([(1, "ann", "cat"), (1, "bob", "cat"), (1, "eve", "dog")])
    {1: 'cat'}
    """
    enc = _encode(annotations, classes)
    winners = _argmax_random_ties(_vote_counts(enc), as_generator(random_state))
    return {item: enc.classes[w] for item, w in zip(enc.items, winners, strict=True)}


class DawidSkeneResult(NamedTuple):
    """What :func:`dawid_skene` returns; unpacks as ``labels, posteriors, confusions``.

    Attributes
    ----------
    labels : dict item -> label
        The most probable true label of each item.
    posteriors : DataFrame of shape (n_items, n_classes)
        ``P(true class | annotations)``; index = items, columns = classes.
    annotator_confusions : dict annotator -> DataFrame of shape (n_classes, n_classes)
        Row = true class, column = the label the annotator gives; rows sum to 1.
    """

    labels: dict[Hashable, Hashable]
    posteriors: pd.DataFrame
    annotator_confusions: dict[Hashable, pd.DataFrame]


def dawid_skene(annotations: Iterable[Annotation], *,
                classes: Sequence[Hashable] | None = None, max_iter: int = 100,
                tol: float = 1e-6, smoothing: float = 0.01,
                random_state: RandomLike = 0) -> DawidSkeneResult:
    """Estimate true labels and one confusion matrix per annotator (Dawid & Skene 1979).

    EM starts from the majority-vote label distribution of every item (vote
    fractions; ties in the final labels broken with ``random_state``), then
    alternates: M-step - class priors and each annotator's confusion matrix
    from the current posteriors (plus ``smoothing`` pseudo-counts); E-step -
    posteriors ``P(true = k) ∝ prior_k * prod_annotations confusion[k, label]``.
    It stops when no posterior moves by more than ``tol``.

    An annotator who is consistently wrong (e.g. always swaps two classes) gets
    a confusion matrix that says so, and their answers still inform the
    estimate - which majority vote cannot do.

    Parameters
    ----------
    annotations : iterable of (item, annotator, label)
    classes : sequence, default=None
        Declared classes (default: every label seen, sorted).
    max_iter : int, default=100
    tol : float, default=1e-6
    smoothing : float, default=0.01
        Dirichlet pseudo-count added to every confusion cell and prior.
    random_state : int, Generator or None, default=0

    Returns
    -------
    DawidSkeneResult

    Examples
    --------
    >>> triples = [(i, a, "yes" if i % 2 else "no") for i in range(6) for a in "ab"]
    >>> labels, posteriors, confusions = dawid_skene(triples)
    >>> labels[1], posteriors.shape, bool(confusions["a"].loc["yes", "yes"] > 0.9)
    ('yes', (6, 2), True)
    """
    if isinstance(max_iter, bool) or not isinstance(max_iter, int) or max_iter < 1:
        raise ConfigError(f"max_iter must be a positive int, got {max_iter!r}")
    if smoothing < 0:
        raise ConfigError(f"smoothing must be non-negative, got {smoothing}")
    enc = _encode(annotations, classes)
    n_items, n_annotators, n_classes = len(enc.items), len(enc.annotators), len(enc.classes)
    counts = _vote_counts(enc)
    posterior = counts / counts.sum(axis=1, keepdims=True)
    for _ in range(max_iter):
        # M-step: priors and confusion matrices from the soft labels.
        prior = posterior.sum(axis=0) + smoothing
        prior /= prior.sum()
        confusion = np.full((n_annotators, n_classes, n_classes), smoothing)
        np.add.at(confusion, (enc.annotator, slice(None), enc.label),  # type: ignore[arg-type]
                  posterior[enc.item])  # numpy's stubs reject a slice in the index
        confusion /= confusion.sum(axis=2, keepdims=True)
        # E-step: posteriors from priors and every annotation, in log space.
        log_post = np.tile(np.log(prior), (n_items, 1))
        np.add.at(log_post, enc.item, np.log(confusion[enc.annotator, :, enc.label]))
        log_post -= log_post.max(axis=1, keepdims=True)
        new = np.exp(log_post)
        new /= new.sum(axis=1, keepdims=True)
        delta = float(np.abs(new - posterior).max())
        posterior = new
        if delta < tol:
            break
    winners = _argmax_random_ties(np.round(posterior, 12), as_generator(random_state))
    labels = {item: enc.classes[w] for item, w in zip(enc.items, winners, strict=True)}
    columns = pd.Index(enc.classes, name="class")
    posteriors = pd.DataFrame(posterior, index=pd.Index(enc.items, name="item"),
                              columns=columns)
    confusions = {a: pd.DataFrame(confusion[j], index=pd.Index(enc.classes, name="true"),
                                  columns=pd.Index(enc.classes, name="given"))
                  for j, a in enumerate(enc.annotators)}
    return DawidSkeneResult(labels, posteriors, confusions)
