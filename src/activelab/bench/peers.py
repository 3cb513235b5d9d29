"""Other libraries' strategies run through the same harness: ``modal:margin``, ...

Each adapter is a :class:`~activelab.strategies.QueryStrategy` that hands the
pool and the learner's fitted model to the peer library and returns its
choice, so a peer sees the same split, seed set, model and batch size as
activelab's own strategies, and its query time is measured the same way.

* modAL (``pip install modAL-python``): ``margin_sampling``,
  ``uncertainty_sampling`` (least confident) and ``entropy_sampling`` on the
  fitted model's ``predict_proba``; ties broken deterministically
  (``random_tie_break=False``: modAL's random tie break uses global NumPy
  randomness).  Models without ``predict_proba`` (LinearSVC, SVC) fail.
* scikit-activeml (``pip install scikit-activeml``):
  ``skactiveml.pool.UncertaintySampling`` with a ``SklearnClassifier`` around a
  clone of the model, used as its documentation shows (``fit_clf=True``): the
  peer refits the model itself, so its query time includes one fit.

A case a peer cannot run (no ``predict_proba``, sparse input, any error)
fails its cell; the harness records the failure and the report lists it.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
from sklearn.base import clone

from .._random import RandomLike, derive_seed
from ..exceptions import ConfigError, MissingDependencyError
from ..strategies import QueryStrategy

__all__ = ["PEER_LIBRARIES", "PEER_MEASURES", "peer_status", "make_peer_strategy",
           "is_peer_name", "ModalStrategy", "SkactivemlStrategy"]

#: prefix -> (import name, pip name)
PEER_LIBRARIES: dict[str, tuple[str, str]] = {
    "modal": ("modAL", "modAL-python"),
    "skactiveml": ("skactiveml", "scikit-activeml"),
}
PEER_MEASURES = ("margin", "least-confident", "entropy")


def is_peer_name(name: str) -> bool:
    return name.split(":", 1)[0] in PEER_LIBRARIES and ":" in name


def peer_status(prefix: str) -> tuple[bool, str]:
    """Whether the peer library ``prefix`` imports, and why not when it does not."""
    module, pip_name = PEER_LIBRARIES[prefix]
    try:
        imported = importlib.import_module(module)
    except Exception as error:  # ImportError, or a broken install raising anything else
        return False, (f"{module} cannot be imported ({type(error).__name__}: {error}); "
                       f"install it with: pip install 'activelab[peers]' (or {pip_name})")
    return True, f"{module} {getattr(imported, '__version__', '(version unknown)')}"


def _check_name(name: str) -> tuple[str, str]:
    prefix, _, measure = name.partition(":")
    if prefix not in PEER_LIBRARIES or measure not in PEER_MEASURES:
        choices = [f"{p}:{m}" for p in PEER_LIBRARIES for m in PEER_MEASURES]
        raise ConfigError(f"unknown peer strategy {name!r}; choose one of {', '.join(choices)}")
    return prefix, measure


class _PeerStrategy(QueryStrategy):
    """A peer library's uncertainty measure behind the strategy contract."""

    #: The library's prefix in :data:`PEER_LIBRARIES`.
    prefix: str

    def __init__(self, measure: str = "margin", *, random_state: RandomLike = None) -> None:
        self.measure = measure
        self.random_state = random_state

    def _peer_measure(self) -> str:
        """The measure, once the library is known to import (else a clear error)."""
        ok, _ = peer_status(self.prefix)
        if not ok:
            raise MissingDependencyError(PEER_LIBRARIES[self.prefix][1], "peers",
                                         f"the {self.prefix}:* strategies")
        return _check_name(f"{self.prefix}:{self.measure}")[1]


class ModalStrategy(_PeerStrategy):
    """modAL's uncertainty sampling on the learner's fitted model.

    Parameters
    ----------
    measure : {"margin", "least-confident", "entropy"}
    random_state : ignored
        Kept for the strategy contract; modAL's deterministic tie break is used.
    """

    prefix = "modal"

    def _select(self, pool, model, candidates, k, rng):
        measure = self._peer_measure()
        from modAL import uncertainty

        query = {"margin": uncertainty.margin_sampling,
                 "least-confident": uncertainty.uncertainty_sampling,
                 "entropy": uncertainty.entropy_sampling}[measure]
        chosen, _ = query(model, pool.take(candidates), n_instances=k, random_tie_break=False)
        chosen = np.asarray(chosen, dtype=np.intp)
        return candidates[chosen], np.full(len(chosen), np.nan)


class SkactivemlStrategy(_PeerStrategy):
    """scikit-activeml's ``UncertaintySampling`` around a clone of the learner's model.

    Parameters
    ----------
    measure : {"margin", "least-confident", "entropy"}
    random_state : int, Generator or None
        Seeds the peer's tie breaking.
    """

    prefix = "skactiveml"
    _METHODS = {"margin": "margin_sampling", "least-confident": "least_confident",
                "entropy": "entropy"}

    def _select(self, pool, model, candidates, k, rng):
        method = self._METHODS[self._peer_measure()]
        from skactiveml.classifier import SklearnClassifier
        from skactiveml.pool import UncertaintySampling

        seed = derive_seed(rng)
        y = np.asarray(pool.codes, dtype=np.int64)  # -1 marks the unlabelled items
        clf = SklearnClassifier(clone(model), classes=np.arange(pool.n_classes),
                                missing_label=-1, random_state=seed)
        strategy = UncertaintySampling(method=method, missing_label=-1, random_state=seed)
        chosen = strategy.query(pool.X, y, clf, fit_clf=True, candidates=candidates,
                                batch_size=k)
        return np.asarray(chosen, dtype=np.intp), np.full(len(chosen), np.nan)


def make_peer_strategy(name: str, *, random_state: RandomLike = None) -> QueryStrategy:
    """The adapter for ``"modal:margin"``, ``"skactiveml:entropy"``, ...

    Raises
    ------
    ConfigError
        For an unknown library prefix or measure.
    """
    prefix, measure = _check_name(name)
    cls: Any = ModalStrategy if prefix == "modal" else SkactivemlStrategy
    return cls(measure, random_state=random_state)
