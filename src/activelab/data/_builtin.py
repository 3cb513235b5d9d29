"""The small datasets bundled with scikit-learn (no download), as ``sklearn:<name>``,
and ``cluttered-digits``, drawn from scikit-learn's digits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn import datasets

from ._cluttered import CLUTTERED_DIGITS, load_cluttered_digits
from ._dataset import Dataset, DatasetInfo

__all__ = ["BUILTIN", "TARGET", "builtin_infos", "load_builtin"]

#: The label column's name in scikit-learn's frames (``as_frame=True``); ``target=`` may
#: name it, so a command written for a file works on these sets too.
TARGET = "target"


def _digits() -> Dataset:
    bunch = datasets.load_digits()
    return Dataset(name="sklearn:digits", X=(bunch.data / 16).astype(np.float32),
                   y=bunch.target.astype(np.int64), kind="image", task="classification",
                   feature_names=list(bunch.feature_names),
                   description="scikit-learn digits (UCI optical digits): 1,797 8x8 images "
                               "flattened to 64 pixels scaled to [0, 1]; 10 classes.")


def _named_classes(loader: Callable[..., Any], name: str, description: str) -> Dataset:
    # Class names ('setosa', 'malignant') rather than codes, so a human oracle sees words.
    bunch = loader()
    return Dataset(name=name, X=np.asarray(bunch.data, dtype=np.float64),
                   y=np.asarray(bunch.target_names)[bunch.target], kind="tabular",
                   task="classification", feature_names=list(bunch.feature_names),
                   description=description)


def _diabetes() -> Dataset:
    bunch = datasets.load_diabetes(scaled=False)
    return Dataset(name="sklearn:diabetes", X=np.asarray(bunch.data, dtype=np.float64),
                   y=np.asarray(bunch.target, dtype=np.float64), kind="tabular",
                   task="regression", feature_names=list(bunch.feature_names),
                   description="scikit-learn diabetes (Efron et al. 2004): 442 patients, "
                               "10 baseline features (unscaled); target disease progression "
                               "after one year.")


_IRIS = "scikit-learn iris (Fisher 1936): 150 flowers, 4 measurements; 3 species."
_CANCER = ("scikit-learn breast cancer (UCI Wisconsin Diagnostic): 569 samples, 30 nucleus "
           "features; malignant 212 / benign 357.")
_WINE = "scikit-learn wine (UCI): 178 wines, 13 chemical features; 3 cultivars."


def _info(name: str, kind: str, task: str, n_samples: int, n_classes: int | None,
          description: str) -> DatasetInfo:
    return DatasetInfo(name=name, kind=kind, task=task, n_samples=n_samples,  # type: ignore[arg-type]
                       available=True, description=description, n_classes=n_classes)


BUILTIN: dict[str, tuple[Callable[[], Dataset], DatasetInfo]] = {
    "sklearn:digits": (_digits, _info("sklearn:digits", "image", "classification", 1797, 10,
                                      "scikit-learn digits: 1,797 8x8 images, 10 classes.")),
    "sklearn:breast_cancer": (
        lambda: _named_classes(datasets.load_breast_cancer, "sklearn:breast_cancer", _CANCER),
        _info("sklearn:breast_cancer", "tabular", "classification", 569, 2, _CANCER)),
    "sklearn:wine": (lambda: _named_classes(datasets.load_wine, "sklearn:wine", _WINE),
                     _info("sklearn:wine", "tabular", "classification", 178, 3, _WINE)),
    "sklearn:iris": (lambda: _named_classes(datasets.load_iris, "sklearn:iris", _IRIS),
                     _info("sklearn:iris", "tabular", "classification", 150, 3, _IRIS)),
    "sklearn:diabetes": (_diabetes, _info("sklearn:diabetes", "tabular", "regression", 442,
                                          None, "scikit-learn diabetes: 442 patients, "
                                                "10 features; regression.")),
    CLUTTERED_DIGITS: (load_cluttered_digits, _info(
        CLUTTERED_DIGITS, "image", "detection", 500, 10,
        "500 96x96 canvases of 1-5 scikit-learn digits with clutter and exact boxes; "
        "drawn on the fly (--task detection).")),
}


def load_builtin(name: str) -> Dataset:
    """The bundled scikit-learn dataset ``name`` (a key of :data:`BUILTIN`)."""
    return BUILTIN[name][0]()


def builtin_infos() -> list[DatasetInfo]:
    """Catalogue entries of the bundled sets (always available)."""
    return [info for _, info in BUILTIN.values()]
