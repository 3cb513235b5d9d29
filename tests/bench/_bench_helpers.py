"""Small synthetic datasets for the benchmark tests, loadable in worker processes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.datasets import make_classification

from activelab.bench import DatasetSpec


@dataclass
class ToyDataset:
    """The fields of ``activelab.data.Dataset`` the harness reads."""

    name: str
    X: Any
    y: np.ndarray
    kind: str = "tabular"


TOPICS = {
    "sport": "goal match team score league coach player win season ball".split(),
    "tech": "code software chip data cloud server laptop phone app network".split(),
}


def toy_loader(spec: DatasetSpec, master_seed: int) -> ToyDataset:
    """``blobs-N`` (N numeric items, 3 classes) or ``texts-N`` (N short two-topic texts)."""
    kind, _, size = spec.name.partition("-")
    n = int(size or 200)
    if kind == "texts":
        rng = np.random.default_rng(master_seed)
        labels = rng.choice(sorted(TOPICS), size=n)
        texts = [" ".join(rng.choice(TOPICS[t] + ["the", "a", "of"], size=8)) for t in labels]
        return ToyDataset(spec.name, np.array(texts, dtype=object), labels, "text")
    X, y = make_classification(n_samples=n, n_features=6, n_informative=4, n_redundant=0,
                               n_classes=3, n_clusters_per_class=1, flip_y=0.05,
                               random_state=master_seed)
    return ToyDataset(spec.name, X, y)
