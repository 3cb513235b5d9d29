"""One seed of rare-class discovery as the bench's cell: how fast does labelling find
every class? The whole dataset is the pool (nothing is held out: finding, not scoring)."""

from __future__ import annotations

import numpy as np

from ..._random import derive_seed
from ...exceptions import ConfigError, SingleClassError
from ...initial import initial_indices
from ...learner import ActiveLearner
from ...models.factory import check_model_name, make_model
from ...pool import Pool
from ...strategies import available_strategies
from ..curves import TaskCurves
from ._discovery import discovery_rounds

__all__ = ["run_imbalance_cell"]

#: Examples per class that count as "covered" (the imbalance benchmark's k).
COVER_K = 3


def run_imbalance_cell(data: str, *, model: str | None, strategy: str, seed: int,
                       initial: int, batch: int, budget: int, test_size: float,
                       master_seed: int, target: str | None = None,
                       text_column: str | None = None) -> TaskCurves:
    """Label ``budget`` items of ``data`` with ``strategy``; record class coverage per round.

    Metrics: ``classes_found`` (share of classes with a labelled example) and
    ``classes_covered`` (share with :data:`COVER_K`). ``test_size`` is not used.
    The reference ``rarest_share`` is the rarest class's share of the data.
    """
    from ...data import load_dataset

    model = model or "logreg"
    check_model_name(model)
    if strategy not in available_strategies():
        raise ConfigError(f"unknown strategy {strategy!r}; choose one of "
                          f"{', '.join(available_strategies())}")
    if initial < 1 or batch < 1 or budget < initial:
        raise ConfigError("need initial and batch >= 1 and budget >= initial")
    dataset = load_dataset(data, target=target, text_column=text_column)
    if dataset.task not in ("classification", "anomaly"):
        raise ConfigError(f"{dataset.name} is a {dataset.task} dataset; class discovery "
                          "needs class labels")
    y = np.asarray(dataset.y)
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise SingleClassError("class discovery needs at least two classes")
    initial_seq, learner_seq = np.random.SeedSequence(
        entropy=master_seed, spawn_key=(seed,)).spawn(2)
    kind = {"text": "text", "image": "image"}.get(dataset.kind, "tabular")
    learner_seed = derive_seed(learner_seq)
    pool = Pool(dataset.X, classes=classes.tolist())
    learner = ActiveLearner(make_model(model, kind, random_state=learner_seed), pool,
                            strategy, random_state=learner_seed)
    seen = np.zeros(len(classes), dtype=np.int64)
    curves = TaskCurves(metrics={"classes_found": [], "classes_covered": []},
                        reference={"rarest_share": float(counts.min() / counts.sum())})
    seed_set = initial_indices(pool, initial, random_state=np.random.default_rng(initial_seq))
    for answers in discovery_rounds(learner, y, seed_set, batch=batch, budget=budget):
        seen += np.bincount(np.searchsorted(classes, answers), minlength=len(classes))
        last = learner.history_[-1]
        curves.n_labels.append(pool.n_labeled)
        curves.metrics["classes_found"].append(float((seen >= 1).mean()))
        curves.metrics["classes_covered"].append(float((seen >= COVER_K).mean()))
        curves.query_seconds.append(last.query_seconds)
        curves.fit_seconds.append(last.fit_seconds)
    return curves.check()
