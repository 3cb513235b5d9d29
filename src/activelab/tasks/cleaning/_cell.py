"""One seed of label cleaning as the bench's cell: review a noisy training set in queue order.

Labels of the training split are corrupted (seeded, uniform or class-dependent);
the review queue is built once from cross-validated probabilities; each round a
person reviews the next ``batch`` items of the queue and fixes the wrong ones, and
the model is retrained on the corrected labels. ``n_labels`` counts reviews.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ..._random import derive_seed
from ...exceptions import ConfigError
from ...learner import evaluation_metrics
from ...models.factory import check_model_name
from ...simulation import featurize_split, make_split, split_estimator
from ..curves import TaskCurves
from ._confident_learning import review_queue
from ._label_noise import inject_label_noise

__all__ = ["CLEANING_STRATEGIES", "run_cleaning_cell"]

#: Review orders: the confident-learning queue by two label-quality scores, or random.
CLEANING_STRATEGIES = ("normalized_margin", "self_confidence", "random")


def run_cleaning_cell(data: str, *, model: str | None, strategy: str, seed: int,
                      initial: int, batch: int, budget: int, test_size: float,
                      master_seed: int, target: str | None = None,
                      text_column: str | None = None, noise_rate: float = 0.2,
                      noise_kind: str = "uniform") -> TaskCurves:
    """Review ``budget`` training labels in ``strategy`` order, ``batch`` at a time.

    Metrics per round: ``errors_found`` (share of the injected errors reviewed so
    far), ``review_precision`` (share of reviewed items that were wrong) and
    ``accuracy`` (test accuracy after retraining on the corrected labels).
    References: accuracy with every label clean, and with the noisy labels.
    ``initial`` is not used: reviewing starts from the noisy labels.
    """
    from ...data import load_dataset

    model = model or "logreg"
    check_model_name(model)
    if strategy not in CLEANING_STRATEGIES:
        raise ConfigError(f"unknown cleaning strategy {strategy!r}; choose one of "
                          f"{', '.join(CLEANING_STRATEGIES)}")
    if batch < 1 or budget < batch:
        raise ConfigError(f"need batch >= 1 and budget >= batch, got {batch} and {budget}")
    dataset = load_dataset(data, target=target, text_column=text_column)
    if dataset.task != "classification":
        raise ConfigError(f"{dataset.name} is a {dataset.task} dataset; label cleaning needs "
                          "class labels")
    y = np.asarray(dataset.y)
    split = make_split(y, seed, master_seed=master_seed, test_size=test_size, initial=1)
    noise_seq, queue_seq = np.random.SeedSequence(
        entropy=master_seed, spawn_key=(seed, 1)).spawn(2)
    truth = y[split.train]
    noisy, is_error = inject_label_noise(truth, noise_rate, kind=noise_kind,
                                         random_state=np.random.default_rng(noise_seq))
    X_pool, X_test, kind = featurize_split(dataset, split.train, split.test)
    y_test = y[split.test]

    def accuracy(labels: np.ndarray) -> float:
        fitted = split_estimator(model, kind, split).fit(X_pool, labels)
        return evaluation_metrics(y_test, fitted.predict(X_test))["accuracy"]

    curves = TaskCurves(metrics={"errors_found": [], "review_precision": [], "accuracy": []})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        rng = np.random.default_rng(queue_seq)
        if strategy == "random":
            order, queue_seconds = rng.permutation(len(truth)), 0.0
        else:
            start = time.perf_counter()
            order = review_queue(X_pool, noisy, split_estimator(model, kind, split),
                                 method=strategy, random_state=derive_seed(rng)).order
            queue_seconds = time.perf_counter() - start
        labels = noisy.copy()
        n_errors = max(int(is_error.sum()), 1)
        for reviewed in range(0, min(budget, len(order)) + 1, batch):
            labels[order[:reviewed]] = truth[order[:reviewed]]
            start = time.perf_counter()
            curves.metrics["accuracy"].append(accuracy(labels))
            curves.fit_seconds.append(time.perf_counter() - start)
            found = int(is_error[order[:reviewed]].sum())
            curves.n_labels.append(reviewed)
            curves.metrics["errors_found"].append(found / n_errors)
            curves.metrics["review_precision"].append(found / reviewed if reviewed else np.nan)
            curves.query_seconds.append(queue_seconds if reviewed == 0 else 0.0)
        # Round 0 reviewed nothing: its accuracy is the noisy-label model's.
        curves.reference = {"full_accuracy": accuracy(truth),
                            "noisy_accuracy": curves.metrics["accuracy"][0]}
    return curves.check()
