"""Small PyTorch classifiers with MC dropout, behind the optional ``torch`` extra.

Both classifiers follow scikit-learn's conventions (``fit``/``predict``/
``predict_proba``/``classes_``, :func:`sklearn.base.clone`) and add
:meth:`predict_proba_samples`, the Monte-Carlo dropout samples that the
Bayesian strategies (:mod:`activelab.strategies.bayesian`) score.

A network is a deterministic *trunk* (first dense layer, or the convolutions)
followed by a *head* of dense layers, each preceded by dropout.  MC samples
reuse the trunk output and draw one dropout mask per sample and layer that is
shared by every item ("consistent MC dropout", Kirsch et al. 2019): sample
``s`` is one network drawn from the approximate posterior, which the joint
scores of BatchBALD need.  Everything runs on the CPU in one thread; every
random draw (weights, shuffling, masks) comes from a ``torch.Generator``
seeded from ``random_state``, so global random state is never touched.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import type_of_target

from .._random import RandomLike, derive_seed
from ..exceptions import (
    ConfigError,
    DataError,
    EmptyPoolError,
    InvalidFeaturesError,
    MissingDependencyError,
    NotFittedError,
    SingleClassError,
)

__all__ = ["TorchMLPClassifier", "TorchCNNClassifier", "import_torch", "one_thread"]

_PREDICT_BATCH = 1024


def import_torch(purpose: str = "This model") -> Any:
    """The ``torch`` module, or :class:`MissingDependencyError` naming the extra to install."""
    try:
        import torch
    except ImportError:
        raise MissingDependencyError("torch", "torch", purpose) from None
    return torch


@contextlib.contextmanager
def one_thread(torch: Any) -> Iterator[None]:
    """Run the block with one torch intra-op thread, then restore the previous count."""
    # Benchmarks run many fits side by side on 2 cores; intra-op threads only oversubscribe.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _check_X(X: Any, n_features: int | None = None) -> Any:
    """Validated float32 features (sparse matrices stay sparse, as CSR)."""
    if sp.issparse(X):
        X = sp.csr_matrix(X)
        data = X.data
    else:
        try:
            X = np.asarray(X, dtype=np.float32)
        except (TypeError, ValueError):
            raise InvalidFeaturesError("features must be numeric; encode text or categories "
                                       "first (e.g. TF-IDF or sentence embeddings)") from None
        data = X
    if X.ndim != 2:
        raise DataError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}")
    if X.shape[0] == 0:
        raise EmptyPoolError("no items: X has 0 rows")
    if not np.isfinite(data).all():
        raise InvalidFeaturesError(f"features contain {int((~np.isfinite(data)).sum())} NaN or "
                                   f"infinite values; impute or drop them first")
    if n_features is not None and X.shape[1] != n_features:
        raise DataError(f"X has {X.shape[1]} features but the model was fitted on {n_features}")
    return X


def _check_y(y: Any, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y)
    if y.ndim != 1:
        raise DataError(f"y must be 1-D, got shape {y.shape}")
    if len(y) != n_rows:
        raise DataError(f"X has {n_rows} rows but y has {len(y)} labels")
    if y.dtype.kind == "f" and np.isnan(y).any():
        raise DataError(f"y cannot be used as class labels ({int(np.isnan(y).sum())} NaN); "
                        f"drop unlabelled rows first")
    try:
        kind = type_of_target(y)
        classes, codes = np.unique(y, return_inverse=True)
    except (TypeError, ValueError) as err:  # NaN labels, None mixed with str, ...
        raise DataError(f"y cannot be used as class labels ({err}); drop unlabelled rows "
                        f"or give every row one label of a single type") from None
    if kind not in ("binary", "multiclass"):
        raise DataError(f"y must hold class labels, got a {kind} target; a classifier cannot "
                        f"learn it (bin it into classes, or use the regression task)")
    if len(classes) < 2:
        raise SingleClassError(f"y holds a single class ({classes[0]!r}); label items of at "
                               f"least two classes first")
    return classes, codes


def _check_positive(name: str, value: Any, kind: type = int) -> None:
    ok = isinstance(value, int | np.integer | float | np.floating) if kind is float \
        else isinstance(value, int | np.integer)
    if isinstance(value, bool) or not ok or value <= 0:
        raise ConfigError(f"{name} must be a positive {kind.__name__}, got {value!r}")


class _TorchClassifier(ClassifierMixin, BaseEstimator):
    """Shared training and MC-dropout prediction; subclasses build the trunk."""

    def _build_trunk(self, torch: Any, n_features: int) -> tuple[Any, int]:
        raise NotImplementedError

    def _head_widths(self) -> tuple[int, ...]:
        raise NotImplementedError

    def _check_params(self) -> None:
        _check_positive("n_epochs", self.n_epochs)
        _check_positive("batch_size", self.batch_size)
        _check_positive("learning_rate", self.learning_rate, float)
        if not 0.0 <= float(self.dropout) < 1.0:
            raise ConfigError(f"dropout must be in [0, 1), got {self.dropout!r}")
        if float(self.weight_decay) < 0:
            raise ConfigError(f"weight_decay must be >= 0, got {self.weight_decay!r}")

    # -- building ---------------------------------------------------------------------------
    def _init_weights(self, torch: Any, modules: Any, generator: Any) -> None:
        # torch's default init, drawn from our generator instead of the global one.
        for module in modules.modules():
            if isinstance(module, torch.nn.Linear | torch.nn.Conv2d):
                torch.nn.init.kaiming_uniform_(module.weight, a=math.sqrt(5),
                                               generator=generator)
                fan_in = module.weight[0].numel()
                bound = 1.0 / math.sqrt(fan_in)
                torch.nn.init.uniform_(module.bias, -bound, bound, generator=generator)

    def _build(self, torch: Any, n_features: int, n_classes: int, generator: Any) -> None:
        trunk, width = self._build_trunk(torch, n_features)
        widths = (width, *self._head_widths(), n_classes)
        head = [torch.nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:], strict=True)]
        self.network_ = torch.nn.ModuleList([trunk, *head])
        self._init_weights(torch, self.network_, generator)

    # -- forward passes ---------------------------------------------------------------------
    def _head(self, torch: Any, h: Any, masks: list[Any] | None, generator: Any = None) -> Any:
        """Logits from trunk features; ``masks`` fixes the dropout (None: fresh per item)."""
        head = list(self.network_)[1:]
        p = float(self.dropout)
        for i, layer in enumerate(head):
            if masks is not None:
                h = h * masks[i]
            elif generator is not None and p > 0:
                keep = torch.rand(h.shape, generator=generator) >= p
                h = h * keep / (1.0 - p)
            h = layer(h)
            if i < len(head) - 1:
                h = torch.relu(h)
        return h

    def _tensor(self, torch: Any, X: Any) -> Any:
        dense = X.toarray() if sp.issparse(X) else X
        return torch.from_numpy(np.ascontiguousarray(dense, dtype=np.float32))

    def _trunk_features(self, torch: Any, X: Any) -> Iterator[Any]:
        trunk = self.network_[0]
        for start in range(0, X.shape[0], _PREDICT_BATCH):
            yield trunk(self._tensor(torch, X[start:start + _PREDICT_BATCH]))

    # -- public API -------------------------------------------------------------------------
    def fit(self, X: Any, y: Any) -> _TorchClassifier:
        """Train on ``(X, y)`` with Adam and dropout.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels (at least two distinct).

        Returns
        -------
        self
        """
        torch = import_torch(type(self).__name__)
        self._check_params()
        X = _check_X(X)
        self.classes_, codes = _check_y(y, X.shape[0])
        self.n_features_in_ = int(X.shape[1])
        seed = derive_seed(self.random_state)
        generator = torch.Generator().manual_seed(seed)
        self.mc_seed_ = derive_seed(seed + 1)
        with one_thread(torch):
            self._build(torch, X.shape[1], len(self.classes_), generator)
            self._train(torch, X, torch.from_numpy(codes.astype(np.int64)), generator)
        return self

    def _train(self, torch: Any, X: Any, targets: Any, generator: Any) -> None:
        optimiser = torch.optim.Adam(self.network_.parameters(), lr=float(self.learning_rate),
                                     weight_decay=float(self.weight_decay))
        n = X.shape[0]
        batch = min(int(self.batch_size), n)
        self.network_.train()
        for _ in range(int(self.n_epochs)):
            order = torch.randperm(n, generator=generator).numpy()
            for start in range(0, n, batch):
                rows = order[start:start + batch]
                h = self.network_[0](self._tensor(torch, X[rows]))
                loss = torch.nn.functional.cross_entropy(
                    self._head(torch, h, None, generator), targets[rows])
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
        self.network_.eval()

    # -- saving ---------------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        # The network as NumPy arrays (its state_dict), not as torch objects: a saved
        # model (pickle, or skops, which stores no pickles) holds data only, and is
        # rebuilt from its parameters and these weights.
        state = dict(super().__getstate__())
        network = state.pop("network_", None)
        if network is not None:
            state["network_weights_"] = {name: tensor.detach().cpu().numpy().copy()
                                         for name, tensor in network.state_dict().items()}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        weights = state.pop("network_weights_", None)
        super().__setstate__(state)
        if weights is not None:
            torch = import_torch(type(self).__name__)
            self._build(torch, self.n_features_in_, len(self.classes_),
                        torch.Generator().manual_seed(0))  # overwritten by the weights
            self.network_.load_state_dict({name: torch.from_numpy(np.asarray(value))
                                           for name, value in weights.items()})
            self.network_.eval()

    def _check_fitted(self) -> None:
        if not hasattr(self, "network_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit first")

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities with dropout switched off (the usual weight-scaling rule).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), columns in ``classes_`` order
        """
        self._check_fitted()
        torch = import_torch(type(self).__name__)
        X = _check_X(X, self.n_features_in_)
        with one_thread(torch), torch.no_grad():
            parts = [torch.softmax(self._head(torch, h, None), dim=1)
                     for h in self._trunk_features(torch, X)]
        return torch.cat(parts).numpy().astype(np.float64)

    def predict(self, X: Any) -> np.ndarray:
        """Most probable class of each item.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        self._check_fitted()
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def predict_proba_samples(self, X: Any, n_samples: int = 20,
                              random_state: RandomLike = None) -> np.ndarray:
        """Monte-Carlo dropout class probabilities (Gal & Ghahramani 2016).

        Sample ``s`` uses one dropout mask per layer for every item, so it is one
        network drawn from the approximate posterior (consistent MC dropout).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_items, n_features)
        n_samples : int, default=20
            Number of dropout masks drawn.
        random_state : int, Generator or None, default=None
            Seed of the masks; None uses a seed fixed at fit time, so repeated
            calls give the same samples.

        Returns
        -------
        samples : ndarray of shape (n_samples, n_items, n_classes)
            Columns in ``classes_`` order; each row sums to one.
        """
        self._check_fitted()
        _check_positive("n_samples", n_samples)
        torch = import_torch(type(self).__name__)
        X = _check_X(X, self.n_features_in_)
        seed = self.mc_seed_ if random_state is None else derive_seed(random_state)
        generator = torch.Generator().manual_seed(seed)
        p = float(self.dropout)
        widths = [layer.in_features for layer in list(self.network_)[1:]]
        masks = [[(torch.rand(w, generator=generator) >= p).float() / (1.0 - p)
                  for w in widths] for _ in range(int(n_samples))]
        out = np.empty((int(n_samples), X.shape[0], len(self.classes_)))
        with one_thread(torch), torch.no_grad():
            start = 0
            for h in self._trunk_features(torch, X):
                stop = start + h.shape[0]
                for s, mask in enumerate(masks):
                    out[s, start:stop] = torch.softmax(self._head(torch, h, mask), dim=1).numpy()
                start = stop
        return out


class TorchMLPClassifier(_TorchClassifier):
    """A multi-layer perceptron in PyTorch with dropout and MC-dropout sampling.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(128,)
        Width of each hidden layer (ReLU).  Dropout precedes every layer after
        the first, so MC samples share the first layer's output.
    dropout : float, default=0.5
        Probability of dropping a unit, in training and in MC sampling.
    n_epochs : int, default=60
        Passes over the training data.
    batch_size : int, default=32
    learning_rate : float, default=1e-3
        Adam's step size.
    weight_decay : float, default=1e-4
        L2 penalty (the prior of the MC-dropout posterior).
    random_state : int, Generator or None, default=None
        Seeds weights, shuffling and dropout masks.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    network_ : torch.nn.ModuleList
        The trunk followed by the head's linear layers.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> model = TorchMLPClassifier(hidden_layer_sizes=(16,), n_epochs=5, random_state=0)
    >>> model.fit(X, y).predict_proba_samples(X[:4], n_samples=3).shape
    (3, 4, 3)
    """

    def __init__(self, hidden_layer_sizes: tuple[int, ...] = (128,), *, dropout: float = 0.5,
                 n_epochs: int = 60, batch_size: int = 32, learning_rate: float = 1e-3,
                 weight_decay: float = 1e-4, random_state: RandomLike = None) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.n_epochs = n_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.random_state = random_state

    def _sizes(self) -> tuple[int, ...]:
        sizes = tuple(self.hidden_layer_sizes)
        if not sizes:
            raise ConfigError("hidden_layer_sizes needs at least one layer, got ()")
        for size in sizes:
            _check_positive("every hidden layer size", size)
        return sizes

    def _build_trunk(self, torch: Any, n_features: int) -> tuple[Any, int]:
        first = self._sizes()[0]
        return torch.nn.Sequential(torch.nn.Linear(n_features, first), torch.nn.ReLU()), first

    def _head_widths(self) -> tuple[int, ...]:
        return self._sizes()[1:]


class TorchCNNClassifier(_TorchClassifier):
    """A small convolutional network for square grey-scale images (8x8 digits, 28x28 MNIST).

    Two blocks of 3x3 convolution, ReLU and 2x2 max-pooling, then dropout, a
    dense hidden layer, dropout and the output layer (the layout of Gal et al.
    2017, "Deep Bayesian Active Learning with Image Data").

    Parameters
    ----------
    image_shape : tuple of (int, int) or None, default=None
        Height and width; None infers a square from ``n_features`` (64 -> 8x8).
        Rows of ``X`` are images flattened row by row.
    channels : tuple of (int, int), default=(16, 32)
        Filters of the two convolution blocks.
    hidden : int, default=128
        Width of the dense layer.
    dropout : float, default=0.5
    n_epochs : int, default=40
    batch_size : int, default=32
    learning_rate : float, default=1e-3
    weight_decay : float, default=1e-4
    random_state : int, Generator or None, default=None

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    network_ : torch.nn.ModuleList

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> X, y = load_digits(return_X_y=True)
    >>> model = TorchCNNClassifier(n_epochs=2, random_state=0).fit(X[:100] / 16, y[:100])
    >>> model.predict_proba(X[:3] / 16).shape
    (3, 10)
    """

    def __init__(self, image_shape: tuple[int, int] | None = None, *,
                 channels: tuple[int, int] = (16, 32), hidden: int = 128, dropout: float = 0.5,
                 n_epochs: int = 40, batch_size: int = 32, learning_rate: float = 1e-3,
                 weight_decay: float = 1e-4, random_state: RandomLike = None) -> None:
        self.image_shape = image_shape
        self.channels = channels
        self.hidden = hidden
        self.dropout = dropout
        self.n_epochs = n_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.random_state = random_state

    def _shape(self, n_features: int) -> tuple[int, int]:
        if self.image_shape is None:
            side = math.isqrt(n_features)
            if side * side != n_features:
                raise ConfigError(f"{n_features} features are not a square image; pass "
                                  f"image_shape=(height, width)")
            return side, side
        height, width = (int(v) for v in self.image_shape)
        if height * width != n_features or height < 4 or width < 4:
            raise ConfigError(f"image_shape {self.image_shape!r} does not match {n_features} "
                              f"features (height * width, each at least 4)")
        return height, width

    def _build_trunk(self, torch: Any, n_features: int) -> tuple[Any, int]:
        height, width = self._shape(n_features)
        first, second = (int(c) for c in self.channels)
        _check_positive("hidden", self.hidden)
        nn = torch.nn
        trunk = nn.Sequential(
            nn.Unflatten(1, (1, height, width)),
            nn.Conv2d(1, first, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(first, second, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(),
        )
        return trunk, second * (height // 4) * (width // 4)

    def _head_widths(self) -> tuple[int, ...]:
        return (int(self.hidden),)
