"""A ready-made start for examples: iris as a :class:`~activelab.Pool` with a few labels
and a model fitted on them, so that an example shows the one call it is about.

Examples
--------
>>> from activelab.examples import iris_start
>>> pool, model = iris_start()
>>> pool.n_labeled, model.predict(pool.X[:1]).tolist()
(3, [0])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from .pool import Pool

__all__ = ["iris_start"]


def iris_start(model: Any = None, *, labelled: Sequence[int] = (0, 50, 100)
               ) -> tuple[Pool, Any]:
    """Iris (150 items, 3 classes) as a pool with ``labelled`` items labelled, and a
    clone of ``model`` fitted on them.

    Parameters
    ----------
    model : scikit-learn classifier, default=None
        ``LogisticRegression()`` when None.
    labelled : sequence of int, default=(0, 50, 100)
        The labelled items (the default: one of each class).

    Returns
    -------
    pool : Pool
    model : fitted classifier
    """
    X, y = load_iris(return_X_y=True)
    pool = Pool(X)
    indices = np.asarray(labelled, dtype=np.intp)
    pool.teach(indices, y[indices])
    estimator = LogisticRegression() if model is None else clone(model)
    return pool, estimator.fit(*pool.training_data())
