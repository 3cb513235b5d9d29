"""Loading a model downloaded from the server, trusting only the types it is made of."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..exceptions import DataError, MissingDependencyError

__all__ = ["MODEL_TYPES", "load_model"]

#: The types beyond skops' defaults that the server's models are made of (scikit-learn's
#: trees, neighbour searches and optimisers, the constant label of a multi-label model,
#: NumPy dtypes, SciPy sparse matrices, activelab's sentence embedder, which holds the
#: name of its offline network, not the network, activelab's torch models, which hold
#: their weights as NumPy arrays, and the region detector of image regions projects).
#: Loading trusts these and nothing else.
MODEL_TYPES = (
    "activelab.features.embeddings.SentenceEmbedder",
    "activelab.models.torch_nets.TorchCNNClassifier",
    "activelab.models.torch_nets.TorchMLPClassifier",
    "activelab.tasks.detection._model.RegionDetector",
    "activelab.tasks.anomaly._detector.SemiSupervisedDetector",
    "activelab.tasks.matching._featurizer.PairFeaturizer",
    "numpy.dtype",
    "scipy.sparse._csr.csr_matrix",
    "sklearn.metrics._dist_metrics.EuclideanDistance64",
    "sklearn.multiclass._ConstantPredictor",
    "sklearn.neighbors._kd_tree.KDTree",
    "sklearn.neighbors._ball_tree.BallTree",
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
    "sklearn.tree._tree.Tree",
)


def load_model(source: bytes | str | os.PathLike[str]) -> Any:
    """Load a model from ``Client.download_model`` or ``activelab export-model``.

    skops loads it without running pickled code; only skops' default types and
    :data:`MODEL_TYPES` are trusted.

    Parameters
    ----------
    source : the model's bytes, or the path of a ``.skops`` file

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        ``predict`` / ``predict_proba`` take items as the project imported them.

    Raises
    ------
    DataError
        The file holds a type outside :data:`MODEL_TYPES` (not a model of the server).
    MissingDependencyError
        skops is not installed (extra ``client``).
    """
    try:
        import skops.io
    except ImportError:
        raise MissingDependencyError("skops", "client", "Loading a downloaded model") from None
    data = bytes(source) if isinstance(source, bytes | bytearray) else Path(source).read_bytes()
    untrusted = skops.io.get_untrusted_types(data=data)
    unknown = sorted(set(untrusted) - set(MODEL_TYPES))
    if unknown:
        raise DataError(f"the model file holds types that are not trusted: {unknown}; "
                        "inspect it before loading it with skops.io.loads(..., trusted=...)")
    return skops.io.loads(data, trusted=untrusted)
