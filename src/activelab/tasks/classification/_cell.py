"""One seed of classification as a bench cell: the core simulation's curves as TaskCurves."""

from __future__ import annotations

import numpy as np

from ...exceptions import ConfigError
from ...simulation import full_data_accuracy, make_split, simulate_run
from ..curves import TaskCurves

__all__ = ["run_classification_cell"]


def run_classification_cell(data: str, *, model: str | None, strategy: str, seed: int,
                            initial: int, batch: int, budget: int, test_size: float,
                            master_seed: int, target: str | None = None,
                            text_column: str | None = None) -> TaskCurves:
    """Seed ``seed`` of :func:`activelab.simulation.simulate` on ``data``, as curves.

    The same split, seed set and learner as ``activelab simulate`` (and the bench's
    classification cells); metrics ``accuracy``, ``balanced_accuracy`` and
    ``macro_f1``, the reference ``full_accuracy`` (the model trained on the whole pool).
    """
    from ...data import load_dataset

    dataset = load_dataset(data, target=target, text_column=text_column)
    if dataset.task != "classification":
        raise ConfigError(f"{dataset.name} is a {dataset.task} dataset; the classification "
                          "task needs class labels")
    split = make_split(np.asarray(dataset.y), seed, master_seed=master_seed,
                       test_size=test_size, initial=initial)
    model = model or "logreg"
    run = simulate_run(dataset, split, seed=seed, model=model, strategy=strategy, batch=batch,
                       budget=budget, full_accuracy=full_data_accuracy(dataset, split, model))
    return TaskCurves(n_labels=list(run.n_labels),
                      metrics={"accuracy": list(run.accuracy),
                               "balanced_accuracy": list(run.balanced_accuracy),
                               "macro_f1": list(run.macro_f1)},
                      query_seconds=list(run.query_seconds), fit_seconds=list(run.fit_seconds),
                      reference={"full_accuracy": run.full_accuracy}).check()
