"""Retraining and re-scoring a project with the activelab library.

:func:`retrain_project` builds a :class:`~activelab.Pool` over the project's
features, teaches it the current labels through an
:class:`~activelab.ActiveLearner`, scores every unlabelled item with the
project's strategy and stores scores, guesses and a learning-curve point in
one write transaction.  The slow part (fitting, scoring) runs outside any
transaction, so ``/next`` keeps serving the previous scores meanwhile.

Multi-label text trains one binary model per class ("binary relevance") and
averages the per-class strategy scores; image regions projects train the detection
task's region detector (:mod:`.region_training`).

Evaluation items (:mod:`.evaluation`) are held out of training: each retrain
measures the model on the labelled ones (the dashboard's unbiased accuracy)
and interleaves the open ones into the queue.  Until every class has a few
labels, a single-label queue searches for the missing ones (:mod:`.discovery`).

Each task the server runs has its trainer (``_TRAINERS``, by registry name):
regression projects train in :mod:`.regression_training`, anomaly projects in
:mod:`.anomaly_training` (whose detector ranks the items before any answer), matching
projects in :mod:`.matching_training`, cleaning projects in :mod:`.cleaning_training`;
clustering projects retrain in :mod:`.clustering_training` (``_RETRAINERS``).
"""

from __future__ import annotations

import time
from collections import Counter
from functools import partial
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from ...exceptions import ConfigError
from ...models import class_probabilities, make_model
from ...pool import Pool
from ...strategies import ScoreStrategy, make_strategy
from ..db import write_transaction
from ..models import Item, Label, ModelSnapshot, Project, TaskType
from .adaptive_overlap import refresh_labels_wanted
from .anomaly_training import train_anomaly
from .batch_writes import write_in_batches
from .cleaning_training import train_cleaning
from .clustering_training import retrain_clustering
from .consensus import consensus_labels
from .discovery import discovery_priority
from .evaluation import eval_item_ids, interleave, mark_eval_items
from .feature_store import FeatureStore
from .features import Features, load_features, model_kind, signature_of
from .matching_training import train_matching
from .region_model import RegionData, load_region_data
from .region_training import train_regions
from .regression_training import train_regression
from .retrain_result import SEED, task_learner
from .retrain_result import TrainResult as _Result
from .retrain_result import TrainSplit as _Split
from .retrain_result import queue_scores as _scores
from .strategy_state import export, load_state, restore, save, strategy_note
from .task_types import SERVER_TASK, ranks_unlabelled, reviews_labels

__all__ = ["retrain_project", "label_events", "check_strategy_for_task", "FeatureCache",
           "MULTI_LABEL_TASKS", "training_labels", "SEED"]

MULTI_LABEL_TASKS = (TaskType.multilabel_text, TaskType.image_regions)
_SEED = SEED
#: Items re-scored per write transaction after a retrain.
RESCORE_BATCH = 500
#: Items written with fresh scores after a retrain: the head of the queue (0: all).
RESCORE_DEPTH = 2_000
#: Pool rows copied at once when a retrain computes the model's probabilities.
_ROWS = 50_000


def check_strategy_for_task(task_type: str, strategy_name: str) -> None:
    """Multi-label tasks need a strategy with a per-item score (or random)."""
    if task_type in MULTI_LABEL_TASKS and strategy_name != "random" \
            and not isinstance(make_strategy(strategy_name), ScoreStrategy):
        raise ConfigError(f"strategy {strategy_name!r} cannot score multi-label items; use "
                          "least-confident, margin, entropy or random")


def label_events(session: Session, project_id: int) -> int:
    """A counter that grows with every label, skip and undo of the project."""
    total, undone = session.execute(
        select(func.count(), func.count().filter(Label.undone.is_(True)))
        .where(Label.project_id == project_id)).one()
    return int(total or 0) + int(undone or 0)


class FeatureCache:
    """Per-project features, rebuilt only when items are added (used by one thread).

    With a :class:`~.feature_store.FeatureStore` they are read from (and
    written to) its files, memory-mapped, instead of decoded from the database.
    """

    def __init__(self, store: FeatureStore | None = None) -> None:
        self.store = store
        self._cache: dict[int, Features] = {}
        self._marked: dict[int, tuple[Any, ...]] = {}
        self._pixels: dict[int, tuple[Any, dict[int, np.ndarray]]] = {}

    def mark_eval_items(self, factory: sessionmaker[Session], project: Project) -> None:
        """Draw the evaluation items; again only when items or the fraction changed."""
        key = (project.n_items, project.eval_fraction)
        if self._marked.get(project.id) != key:
            with write_transaction(factory) as session:
                mark_eval_items(session, project.id, project.eval_fraction)
            self._marked[project.id] = key

    def region_data(self, factory: sessionmaker[Session], project: Project,
                    features: Features) -> RegionData:
        """An image regions project's pixels (decoded once per image) and region verdicts."""
        signature, pixels = self._pixels.get(project.id, (None, {}))
        if signature != features.signature:  # items added or updated: decode again
            pixels = {}
        with factory() as session:
            data = load_region_data(session, project.id, features.item_ids.tolist(), pixels)
        self._pixels[project.id] = (features.signature, data.images)
        return data

    def get_cached(self, project_id: int) -> Features | None:
        """The features last built for a project, if any (no database access)."""
        return self._cache.get(project_id)

    def get(self, session: Session, project: Project) -> Features:
        cached = self._cache.get(project.id)
        signature = (*signature_of(session, project.id), project.featurizer)
        if cached is not None and cached.signature == signature:
            return cached
        # Cleaning projects carry each item's given label beside the matrix: not stored.
        if self.store is None or reviews_labels(project.task_type):
            features = load_features(session, project.id, project.task_type,
                                     project.featurizer)
        else:
            features = self.store.load(project.id, signature) or self.store.build(
                session, project.id, project.task_type, project.featurizer)
        self._cache[project.id] = features
        return features


def _current_labels(session: Session, project: Project) -> dict[int, Any]:
    """Item id -> the label to train on (the project's aggregation, see :mod:`.consensus`)."""
    return {item_id: chosen.value
            for item_id, chosen in consensus_labels(session, project).items()}


def training_labels(session: Session, project: Project) -> dict[int, Any]:
    """Item id -> the label the worker trains on (evaluation items left out)."""
    eval_ids = eval_item_ids(session, project.id)
    return {item_id: value for item_id, value in _current_labels(session, project).items()
            if item_id not in eval_ids}


def _cv_accuracy(estimator: Any, X: Any, y: np.ndarray) -> tuple[float | None, str]:
    """Stratified k-fold accuracy on the labelled items (classes with >= 2 labels)."""
    counts = Counter(y.tolist())
    keep = np.array([counts[v] >= 2 for v in y.tolist()], dtype=bool)
    kept = [c for c in counts.values() if c >= 2]
    if len(kept) < 2:
        return None, "needs two classes with two labels each"
    folds = min(5, min(kept))
    rows = np.flatnonzero(keep)
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=_SEED)
    scores = cross_val_score(clone(estimator), X[rows], y[rows], cv=cv)
    return float(scores.mean()), f"{folds}-fold CV accuracy on {len(rows)} labels"


def _split(features: Features, labels: dict[int, Any], eval_ids: set[int]) -> _Split:
    held_out = [i for i in labels if i in eval_ids and i in features.row_of]
    return _Split(train={i: v for i, v in labels.items() if i not in eval_ids},
                  eval_rows=np.array([features.row_of[i] for i in held_out], dtype=np.intp),
                  eval_truth=[labels[i] for i in held_out])


def _train_single(project: Project, features: Features, split: _Split,
                  discovery: bool = True, state: dict[str, Any] | None = None
                  ) -> _Result | None:
    hooks, learner = task_learner(project, features, split.train)
    pool, estimator = learner.pool, learner.estimator
    restore(learner.strategy_, state, features.item_ids)
    if learner.model_ is None:
        return None  # fewer than two classes labelled: keep the random order
    X_l, y = pool.training_data()
    accuracy, metric = _cv_accuracy(estimator, X_l, y)
    correct = 0
    if split.eval_rows.size:
        guesses = pool.decode(class_probabilities(
            learner.model_, pool.take(split.eval_rows), pool.n_classes).argmax(axis=1))
        correct = sum(g == t for g, t in zip(guesses.tolist(), split.eval_truth, strict=True))
    unlabeled = np.setdiff1d(pool.unlabeled_indices, split.eval_rows)
    if unlabeled.size == 0:  # everything is labelled: only the learning curve moves
        nothing = np.empty(0)
        return _Result(unlabeled, nothing, nothing, [], nothing, accuracy, metric,
                       pool.n_labeled, split.eval_rows.size, correct)
    proba = _chunked_probabilities(learner.model_, pool, unlabeled)
    search = None if not discovery or project.strategy_name == "random" \
        else discovery_priority(proba, pool.class_counts())
    queried = search is None and not isinstance(learner.strategy_, ScoreStrategy)
    if search is not None:  # a class is missing or rare: look for it first
        priority, score = search, search
    else:
        priority, score = _scores(learner.strategy_, pool, learner.model_, unlabeled)
    guess, confidence = hooks.describe_guess(proba, pool.classes_.tolist())
    return _Result(unlabeled, priority, score, guess, confidence, accuracy, metric,
                   pool.n_labeled,
                   split.eval_rows.size, correct,
                   export(learner.strategy_, features.item_ids) if queried else None,
                   strategy_note(learner.strategy_) if queried else None)


def _chunked_probabilities(model: Any, pool: Pool, rows: np.ndarray) -> np.ndarray:
    """Class probabilities of ``rows``, a chunk of rows at a time (never a copy of the pool)."""
    return np.concatenate([class_probabilities(model, pool.take(chunk), pool.n_classes)
                           for chunk in np.array_split(rows, max(1, -(-len(rows) // _ROWS)))])


def _classes_of(task_type: str, value: Any) -> set[str]:
    if task_type == TaskType.image_regions:
        return {box["label"] for box in value}
    return set(value)


def _train_multi(project: Project, features: Features, split: _Split,
                 discovery: bool = True, state: dict[str, Any] | None = None
                 ) -> _Result | None:
    del discovery, state  # multi-label queues follow a stateless score from the start
    labels = split.train
    rows = np.array([features.row_of[i] for i in labels if i in features.row_of], dtype=np.intp)
    present = [_classes_of(project.task_type, labels[int(features.item_ids[r])]) for r in rows]
    unlabeled = np.setdiff1d(np.arange(len(features.item_ids)),
                             np.concatenate([rows, split.eval_rows]))
    # An evaluation item is right when its predicted set of classes is exactly its label's.
    eval_guess: list[set[str]] = [set() for _ in split.eval_rows]
    estimator = make_model(project.model_name, model_kind(project.task_type, project.featurizer),
                           random_state=_SEED)
    strategy = make_strategy(project.strategy_name, random_state=_SEED)
    sums, p_yes, accuracies, trained = np.zeros(len(unlabeled)), {}, [], []
    for name in project.labels:
        y = np.array([name in classes for classes in present])
        if y.all() or not y.any():  # a constant: the evaluation guess is that constant
            for predicted in eval_guess if y.all() else ():
                predicted.add(name)
            continue
        pool = Pool(features.X, classes=[False, True])
        pool.teach(rows, y.tolist())
        model = clone(estimator).fit(*pool.training_data())
        if unlabeled.size and isinstance(strategy, ScoreStrategy):
            sums += strategy.score(pool, model, unlabeled)
        p_yes[name] = class_probabilities(model, pool.take(unlabeled), 2)[:, 1] \
            if unlabeled.size else np.empty(0)
        if split.eval_rows.size:
            says_yes = class_probabilities(model, pool.take(split.eval_rows), 2)[:, 1] >= 0.5
            for predicted in (g for g, yes in zip(eval_guess, says_yes, strict=True) if yes):
                predicted.add(name)
        accuracy, _ = _cv_accuracy(estimator, *pool.training_data())
        if accuracy is not None:
            accuracies.append(accuracy)
        trained.append(name)
    if not trained:
        return None
    if isinstance(strategy, ScoreStrategy):
        priority = sums / len(trained)
        score = priority
    else:  # random: a fresh random order
        priority = np.random.default_rng(_SEED + len(rows)).random(len(unlabeled))
        score = np.full(len(unlabeled), np.nan)
    guess = [[name for name in trained if p_yes[name][i] >= 0.5] for i in range(len(unlabeled))]
    confidence = np.mean([np.maximum(p, 1 - p) for p in p_yes.values()], axis=0)
    accuracy = float(np.mean(accuracies)) if accuracies else None
    metric = f"mean per-class CV accuracy over {len(accuracies)} classes" if accuracies \
        else "needs two labels per class and outcome"
    correct = sum(predicted == _classes_of(project.task_type, truth)
                  for predicted, truth in zip(eval_guess, split.eval_truth, strict=True))
    return _Result(unlabeled, priority, score, guess, confidence, accuracy, metric, len(rows),
                   split.eval_rows.size, correct)


#: Tasks whose retrain is not one model over the items (by registry name): a clustering
#: project clusters its points and chooses its pair items itself.
_RETRAINERS = {"clustering": retrain_clustering}
#: The trainer of each task the server runs (by registry name); multi-label projects
#: train one classifier per class instead.
_TRAINERS = {"classification": _train_single, "regression": train_regression,
             "anomaly": train_anomaly, "matching": train_matching, "cleaning": train_cleaning}


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _queue_head(priority: np.ndarray, depth: int) -> np.ndarray:
    """Positions of the ``depth`` highest finite priorities (all of them when ``depth`` is 0)."""
    if depth <= 0 or len(priority) <= depth:
        return np.arange(len(priority))
    finite = np.flatnonzero(np.isfinite(priority))
    if len(finite) <= depth:
        return finite
    return finite[np.argpartition(-priority[finite], depth - 1)[:depth]]


def retrain_project(factory: sessionmaker[Session], project_id: int,
                    cache: FeatureCache | None = None,
                    batch_size: int = RESCORE_BATCH,
                    depth: int = RESCORE_DEPTH,
                    discovery: bool = True) -> ModelSnapshot | None:
    """Retrain, re-score and store; returns the new snapshot (None: no model possible yet).

    Every open item is scored, but only the head of the new queue (the
    ``depth`` highest priorities; 0 writes all) is written with its score,
    guess and model version.  Items of the previous head that fell out of it
    lose their priority and are served after the head in random order, with the
    guess of the version that last scored them.  Annotators consume the head
    long before it runs out (a retrain follows every few labels), and writing
    2,000 rows instead of 100,000 keeps the database free for ``/next``.
    Scores are written in transactions of ``batch_size`` items, then the
    snapshot (the learning-curve point) in one more.  Labelled evaluation
    items test the model and do not train it; open ones are interleaved into
    the head (:mod:`.evaluation`).  With ``discovery``, a single-label queue
    looks for under-represented classes first (:mod:`.discovery`).
    """
    cache = cache or FeatureCache()
    with factory() as session:
        project = session.get(Project, project_id)
        if project is None:
            return None
        session.expunge(project)
        own_retrain = _RETRAINERS.get(SERVER_TASK[TaskType(project.task_type)])
        if own_retrain is not None:
            return own_retrain(factory, project, label_events(session, project_id))
    cache.mark_eval_items(factory, project)
    with factory() as session:
        events = label_events(session, project_id)
        labels = _current_labels(session, project)
        # A detector ranks unanswered items; a cleaning project ranks its given labels.
        if not labels and not ranks_unlabelled(project.task_type) \
                and not reviews_labels(project.task_type):
            return None
        eval_ids = eval_item_ids(session, project_id)
        features = cache.get(session, project)
        saved = load_state(session, project)
    start = time.perf_counter()
    train = _train_multi if project.task_type in MULTI_LABEL_TASKS \
        else _TRAINERS[SERVER_TASK[TaskType(project.task_type)]]
    if project.task_type == TaskType.image_regions:  # the detection task's region detector
        train = partial(train_regions, data=cache.region_data(factory, project, features),
                        eval_ids=frozenset(eval_ids))
    split = _split(features, labels, eval_ids)
    result = train(project, features, split, discovery, saved)
    if result is None:
        return None
    seconds = time.perf_counter() - start
    counts = result.class_counts if result.class_counts is not None else \
        Counter(str(v) for v in split.train.values()) \
        if project.task_type not in MULTI_LABEL_TASKS else \
        Counter(c for v in split.train.values() for c in _classes_of(project.task_type, v))
    with factory() as session:  # one retrain at a time per worker: read, then write
        version = (session.scalar(select(func.max(ModelSnapshot.version))
                                  .where(ModelSnapshot.project_id == project_id)) or 0) + 1
    ids = features.item_ids[result.rows]
    result.priority = interleave(result.priority, np.isin(ids, list(eval_ids)),
                                 project.eval_fraction,
                                 np.random.default_rng([_SEED, project_id, events]))
    head = _queue_head(result.priority, depth)
    rows = [{"id": int(ids[i]), "priority": _finite(result.priority[i]),
             "score": _finite(result.score[i]), "predicted": result.guess[i],
             "predicted_proba": _finite(result.proba[i]), "model_version": version}
            for i in head.tolist()]
    fallen = _fallen_from_head(factory, project_id, ids, ids[head]) \
        if len(head) < len(ids) else []
    # The new head first, then the old one goes.
    write_in_batches(factory, update(Item), rows, batch_size)
    write_in_batches(factory, update(Item),
                     [{"id": item_id, "priority": None} for item_id in fallen], batch_size)
    with write_transaction(factory) as session:
        snapshot = ModelSnapshot(
            project_id=project_id, version=version, label_events=events,
            n_labeled=result.n_labeled, n_scored=len(ids), accuracy=result.accuracy,
            metric=result.metric, class_counts=dict(counts), model_name=project.model_name,
            eval_n=result.eval_n, eval_correct=result.eval_correct,
            strategy_name=project.strategy_name, fit_seconds=seconds,
            strategy_note=result.strategy_note, metrics=result.metrics)
        session.add(snapshot)
        if result.strategy_state is not None:
            save(session, project, result.strategy_state)
        session.flush()
        if project.overlap_policy == "adaptive":  # new accuracies: re-decide labelled items
            current = session.get(Project, project_id)
            if current is not None:
                refresh_labels_wanted(session, current)
        return snapshot


def _fallen_from_head(factory: sessionmaker[Session], project_id: int, scored: np.ndarray,
                      head: np.ndarray) -> list[int]:
    """Scored items that hold a priority now but are not in the new head.

    Only scored (open) items: a labelled item that still needs another
    annotator (overlap) keeps its place.
    """
    with factory() as session:
        ranked = np.fromiter(session.scalars(select(Item.id).where(
            Item.project_id == project_id, Item.priority.is_not(None))), dtype=np.int64)
    fallen = np.setdiff1d(np.intersect1d(ranked, scored), head)
    return fallen.tolist()
