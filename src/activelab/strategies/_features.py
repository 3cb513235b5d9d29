"""Numeric feature vectors of pool rows, for strategies that measure distances."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.pipeline import Pipeline

from ..exceptions import ConfigError
from ..pool import Pool

__all__ = ["uses_model_features", "feature_rows"]


def _is_dataframe(X: Any) -> bool:
    return hasattr(X, "iloc") and hasattr(X, "columns")


def uses_model_features(pool: Pool) -> bool:
    """Whether the pool holds raw items (e.g. texts) that only a model can turn into numbers.

    Numeric 2-D arrays, sparse matrices and DataFrames are features already.
    """
    X = pool.X
    if sp.issparse(X) or _is_dataframe(X):
        return False
    return not (X.ndim == 2 and X.dtype.kind in "biuf")


def feature_rows(pool: Pool, model: Any, indices: np.ndarray, *, purpose: str) -> Any:
    """Numeric features of pool rows ``indices``.

    The pool's own ``X`` when it is numeric; for raw items (a 1-D object array
    of texts, say) the output of every step of the ``Pipeline`` model but the
    last, i.e. the representation the classifier sees (TF-IDF vectors).

    Parameters
    ----------
    pool : Pool
    model : fitted classifier
    indices : ndarray of int of shape (n,)
    purpose : str
        Who asks, for the error message.

    Returns
    -------
    features : {ndarray, csr_matrix} of shape (n, n_features)

    Raises
    ------
    ConfigError
        If the pool holds raw items and ``model`` is not a ``Pipeline`` with a
        transforming step.
    """
    rows = pool.take(indices)
    if not uses_model_features(pool):
        if sp.issparse(rows):
            return rows
        return np.asarray(rows.to_numpy() if _is_dataframe(rows) else rows, dtype=float)
    if not isinstance(model, Pipeline) or len(model.steps) < 2:
        raise ConfigError(
            f"{purpose} measures distances between feature vectors, but the pool holds raw "
            f"items (dtype {pool.X.dtype}) and the model ({type(model).__name__}) is not a "
            "Pipeline that turns them into numbers. Use a Pipeline such as "
            "make_pipeline(TfidfVectorizer(), LogisticRegression()), or build the pool "
            "from numeric features."
        )
    features = model[:-1].transform(rows)
    if sp.issparse(features):
        return features.tocsr()
    return np.asarray(features, dtype=float)
