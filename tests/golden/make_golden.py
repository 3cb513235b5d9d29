"""Fixed-seed runs of every task, and the script that records their curves.

``python tests/golden/make_golden.py`` runs every case of :data:`CASES` and writes
``tests/golden/results.json``; ``tests/test_golden_results.py`` runs them again and
compares. Regenerate only when a change of results is intended, and say so in the commit.

Every case uses data bundled with scikit-learn or generated here, so it needs no
download; timings are left out (they are the only figures that may differ).
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

GOLDEN_FILE = Path(__file__).with_name("results.json")

Plain = Any  # JSON-like: dict, list, str, int, float, bool or None


def plain(value: Any) -> Plain:
    """``value`` as JSON-like data, without timings (keys naming seconds)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items() if "seconds" not in str(k)}
    if isinstance(value, set | frozenset):
        return sorted(plain(v) for v in value)
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, str | bool | int | float):
        return value
    raise TypeError(f"no plain form for {type(value).__name__}")


# ------------------------------------------------------------------ data
WORDS = {
    "sport": "goal match team score league coach player win season ball".split(),
    "tech": "code software chip data cloud server laptop phone app network".split(),
    "food": "pasta bread cheese recipe oven salad soup spice dinner fruit".split(),
}
FILLER = "the a of and to in is it that for on with as was".split()


def _topic_texts(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.choice(list(WORDS), size=n)
    texts = np.empty(n, dtype=object)
    texts[:] = [" ".join(rng.choice(WORDS[t] + FILLER, size=8)) for t in labels]
    return texts, labels


def _people(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    first = "anna bert carla dieter eva frank greta hans ines jonas karin lars".split()
    last = "meyer schmidt schneider fischer weber wagner becker hoffmann".split()
    cities = ["Berlin", "Hamburg", "Munich", "Cologne", "Frankfurt", "Stuttgart"]
    return pd.DataFrame({"name": [f"{rng.choice(first)} {rng.choice(last)}" for _ in range(n)],
                         "city": rng.choice(cities, n),
                         "age": rng.integers(18, 90, n).astype(float)})


# ------------------------------------------------------------------ cases
def classification() -> Plain:
    from activelab.data import load_dataset
    from activelab.simulation import simulate

    dataset = load_dataset("sklearn:iris")
    return {strategy: plain(simulate(dataset, model="logreg", strategy=strategy, initial=6,
                                     batch=6, budget=30, seeds=2))
            for strategy in ("margin", "random")}


def classification_text() -> Plain:
    from activelab.data import Dataset
    from activelab.simulation import simulate

    X, y = _topic_texts(150, 1)
    dataset = Dataset("topics", X, y, kind="text", task="classification")
    return plain(simulate(dataset, model="nb", strategy="entropy", initial=6, batch=6,
                          budget=30, seeds=1))


def regression() -> Plain:
    from activelab.data import load_dataset
    from activelab.tasks.regression import run_regression_cell, simulate_regression

    dataset = load_dataset("sklearn:diabetes")
    return {"simulate": plain(simulate_regression(dataset, strategy="igs", initial=10,
                                                  batch=10, budget=40, seeds=2)),
            "cell": plain(run_regression_cell("sklearn:diabetes", model=None,
                                              strategy="committee", seed=0,
                                              initial=10, batch=10, budget=40, test_size=0.25,
                                              master_seed=0))}


def multilabel() -> Plain:
    from activelab.tasks.multilabel import (
        MultiLabelDataset,
        encode_label_sets,
        simulate_multilabel,
    )

    rng = np.random.default_rng(0)
    labels = list(WORDS)
    texts, sets = [], []
    for _ in range(150):
        chosen = [label for label in labels if rng.random() < 0.4] or [labels[0]]
        texts.append(" ".join(rng.choice(sum((WORDS[t][:4] for t in chosen), []) + FILLER,
                                         size=8)))
        sets.append(chosen)
    dataset = MultiLabelDataset("topics", np.asarray(texts, dtype=object),
                                encode_label_sets(sets, labels), labels)
    return {strategy: plain(simulate_multilabel(dataset, model=LogisticRegression(),
                                                strategy=strategy, initial=10, batch=10,
                                                budget=40, seeds=2, full_model=True))
            for strategy in ("adaptive", "max-margin")}


def anomaly() -> Plain:
    from activelab.data import Dataset
    from activelab.tasks.anomaly import simulate_anomaly

    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(300, 3)), rng.normal(3, 1, size=(15, 3))])
    y = np.r_[np.zeros(300, int), np.ones(15, int)]
    dataset = Dataset("toy", X, y, kind="tabular", task="anomaly")
    return {strategy: plain(simulate_anomaly(dataset, strategy=strategy, initial=0, batch=10,
                                             budget=30, seeds=2))
            for strategy in ("most-anomalous", "hybrid")}


def clustering() -> Plain:
    from sklearn.datasets import load_iris

    from activelab.tasks.clustering import run_pairwise_cell, simulate_pairwise

    X, y = load_iris(return_X_y=True)
    return {"simulate": plain(simulate_pairwise(X, y, strategy="uncertain-pairs", batch=5,
                                                budget=20, seeds=2)),
            "cell": plain(run_pairwise_cell("sklearn:iris", model="copkmeans",
                                            strategy="explore-consolidate", seed=1, initial=5,
                                            batch=5, budget=20, test_size=0.25,
                                            master_seed=0))}


def matching() -> Plain:
    from activelab.tasks.matching import (
        build_matching_problem,
        make_duplicate_records,
        simulate_matching,
    )

    fields = {"name": "string", "city": "string", "age": "numeric"}
    tables = make_duplicate_records(_people(240, 0), fields, n_left=80, n_right=80,
                                    match_fraction=0.5, random_state=0)
    problem = build_matching_problem(tables)
    return {"y": plain(problem.y), "pairs": plain(problem.pairs),
            "runs": plain(simulate_matching(problem, strategy="margin", initial=10, batch=10,
                                            budget=40, seeds=2))}


def cleaning() -> Plain:
    from activelab.tasks.cleaning import run_cleaning_cell

    return {strategy: plain(run_cleaning_cell("sklearn:wine", model="logreg", strategy=strategy,
                                              seed=0, initial=1, batch=10, budget=40,
                                              test_size=0.25, master_seed=0))
            for strategy in ("normalized_margin", "random")}


def rare_class_discovery() -> Plain:
    from sklearn.datasets import load_wine

    from activelab.tasks.imbalance import run_imbalance_cell, simulate_class_discovery

    X, y = load_wine(return_X_y=True)
    keep = np.r_[np.flatnonzero(y != 2), np.flatnonzero(y == 2)[:6]]
    # Scaled features: an unscaled fit stops short of convergence, and where it stops
    # depends on the CPU's floating point, not on activelab.
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    found = simulate_class_discovery(X[keep], y[keep], model,
                                     strategy="margin", initial=4, batch=4, k=2,
                                     max_labels=60, seeds=2)
    return {"simulate": plain(found),
            "cell": plain(run_imbalance_cell("sklearn:wine", model=None, strategy="entropy",
                                             seed=0, initial=4, batch=4, budget=24,
                                             test_size=0.25, master_seed=0))}


def weak_supervision() -> Plain:
    from activelab.data import Dataset
    from activelab.tasks.weak_supervision import simulate_weak_supervision

    X, y = _topic_texts(240, 2)
    dataset = Dataset("topics", X, y, kind="text", task="classification")
    return plain(simulate_weak_supervision(dataset, strategies=("lf-label-model", "lf-majority",
                                                                "margin"),
                                           initial=10, batch=10, budget=40, seeds=1))


CASES: dict[str, Callable[[], Plain]] = {
    "classification": classification,
    "classification_text": classification_text,
    "regression": regression,
    "multilabel": multilabel,
    "anomaly": anomaly,
    "clustering": clustering,
    "matching": matching,
    "cleaning": cleaning,
    "rare_class_discovery": rare_class_discovery,
    "weak_supervision": weak_supervision,
}


def run_case(name: str) -> Plain:
    """Case ``name``'s results, with one BLAS thread (more can change the last digits)."""
    with threadpool_limits(limits=1):
        return plain(CASES[name]())


def differences(expected: Plain, actual: Plain, path: str = "", tol: float = 1e-9
                ) -> list[str]:
    """Where ``actual`` departs from ``expected`` (numbers within ``tol``; NaN equals NaN)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        if expected.keys() != actual.keys():
            return [f"{path}: keys {sorted(expected)} != {sorted(actual)}"]
        return [d for k in expected for d in differences(expected[k], actual[k], f"{path}/{k}",
                                                         tol)]
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{path}: length {len(expected)} != {len(actual)}"]
        return [d for i, (e, a) in enumerate(zip(expected, actual, strict=True))
                for d in differences(e, a, f"{path}[{i}]", tol)]
    numbers = (int, float)
    if (isinstance(expected, numbers) and isinstance(actual, numbers)
            and not isinstance(expected, bool) and not isinstance(actual, bool)):
        if math.isnan(expected) and math.isnan(actual):
            return []
        if math.isclose(expected, actual, rel_tol=tol, abs_tol=tol):
            return []
    elif expected == actual:
        return []
    return [f"{path}: expected {expected!r}, got {actual!r}"]


def main() -> None:
    names = sys.argv[1:] or list(CASES)
    stored = json.loads(GOLDEN_FILE.read_text()) if GOLDEN_FILE.exists() else {}
    for name in names:
        stored[name] = run_case(name)
        print(f"recorded {name}")
    GOLDEN_FILE.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
