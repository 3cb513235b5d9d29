"""Combining noisy annotators on real data: majority vote, Dawid–Skene, model consensus.

Run:  python benchmarks/teams.py [--seeds 5] [--labels-per-item 3 5]
      python benchmarks/teams.py --adaptive [--seeds 5]
      python benchmarks/teams.py --relabel [--seeds 5] [--budget 600]

scikit-learn's digits (1,797 images, 10 classes) are labelled by a simulated team
of eight annotators of accuracies 0.95 down to 0.35, whose errors are
class-dependent: each annotator confuses each digit mostly with one other digit
(of their own), and spreads the rest of their errors at random.  Every item gets
``k`` labels from ``k`` annotators drawn at random.  The model's probabilities
are 5-fold out-of-sample predictions of a logistic regression trained on the
majority vote.  Reported: accuracy of the consensus label against the truth
(mean ± std over seeds) and the time each method takes.  cleanlab's CROWDLAB
(``get_label_quality_multiannotator``, the same probabilities) is run as a
baseline when cleanlab is installed; it is never a dependency of activelab.

``--adaptive`` compares fixed overlap (1, 2, 3 labels for every item) with
adaptive overlap (``activelab.teams.needs_another_label``): every item gets one
label, then rounds ask another annotator only for the items whose posterior
(the model's out-of-sample probabilities times the labels, each weighed by its
annotator's accuracy estimated against the model's guesses) is below the
target, up to three labels.  Every method sees the same hidden answers of the
same annotators, in the same order per item; each is combined by model consensus
and by Dawid–Skene.  Reported: labels used and consensus accuracy.
"""

from __future__ import annotations

import argparse
import importlib.util
import time
import warnings
from collections.abc import Callable

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from activelab.teams import (
    MISSING,
    DawidSkene,
    majority_vote,
    model_consensus,
    needs_another_label,
)

ACCURACIES = (0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.35)
#: Share of an annotator's errors that go to the digit they confuse with the truth.
CONFUSED_SHARE = 0.7


def simulate_team(y: np.ndarray, n_classes: int, k: int, rng: np.random.Generator
                  ) -> np.ndarray:
    """Ratings (n_items, n_annotators) with ``k`` labels per item, ``-1`` elsewhere."""
    n_items, n_annotators = len(y), len(ACCURACIES)
    ratings = np.full((n_items, n_annotators), MISSING)
    for a, accuracy in enumerate(ACCURACIES):
        # This annotator's confusion: truth c -> mostly confused[c] when wrong.
        confused = (np.arange(n_classes) + rng.integers(1, n_classes, size=n_classes)) \
            % n_classes
        confusion = np.full((n_classes, n_classes),
                            (1 - accuracy) * (1 - CONFUSED_SHARE) / (n_classes - 2))
        confusion[np.arange(n_classes), confused] = (1 - accuracy) * CONFUSED_SHARE
        confusion[np.arange(n_classes), np.arange(n_classes)] = accuracy
        drawn = (confusion[y].cumsum(axis=1) > rng.random((n_items, 1))).argmax(axis=1)
        ratings[:, a] = drawn
    keep = np.zeros_like(ratings, dtype=bool)
    for i in range(n_items):
        keep[i, rng.choice(n_annotators, size=k, replace=False)] = True
    return np.where(keep, ratings, MISSING)


def out_of_sample_proba(X: np.ndarray, labels: np.ndarray, seed: int) -> np.ndarray:
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    return cross_val_predict(model, X, labels, cv=folds, method="predict_proba")


def _cleanlab_labels(ratings: np.ndarray) -> np.ndarray:
    """cleanlab's format: NaN where missing, annotators who labelled nothing dropped."""
    labels = np.where(ratings == MISSING, np.nan, ratings.astype(float))
    return labels[:, ~np.isnan(labels).all(axis=0)]


def crowdlab(ratings: np.ndarray, proba: np.ndarray) -> np.ndarray:
    from cleanlab.multiannotator import get_label_quality_multiannotator

    if (ratings != MISSING).sum(axis=1).max() < 2:  # CROWDLAB refuses: the labels as given
        return ratings.max(axis=1)
    with warnings.catch_warnings():  # cleanlab's advice on small overlaps: noise here
        warnings.simplefilter("ignore")
        result = get_label_quality_multiannotator(_cleanlab_labels(ratings), proba,
                                                  verbose=False)
    return result["label_quality"]["consensus_label"].to_numpy()


def consensus_methods(ratings: np.ndarray, proba: np.ndarray, n_classes: int, seed: int,
                      with_cleanlab: bool) -> dict[str, Callable[[], np.ndarray]]:
    """Each method's consensus labels, computed when called (so that it can be timed)."""
    methods: dict[str, Callable[[], np.ndarray]] = {
        "majority vote": lambda: majority_vote(ratings, n_classes, random_state=seed).labels,
        "Dawid-Skene": lambda: DawidSkene(n_classes=n_classes).fit(ratings).consensus().labels,
        "model consensus": lambda: model_consensus(ratings, proba, n_classes).labels,
        "model alone": lambda: proba.argmax(axis=1),
    }
    if with_cleanlab:
        methods["cleanlab CROWDLAB"] = lambda: crowdlab(ratings, proba)
    return methods


#: Adaptive overlap: the posterior an item's label must reach, and the most labels asked.
TARGET, MAX_LABELS = 0.95, 3


def _revealed(answers: np.ndarray, order: np.ndarray, n_given: np.ndarray) -> np.ndarray:
    """The ratings once each item has its first ``n_given`` annotators' answers."""
    ratings = np.full_like(answers, MISSING)
    for i, (row, k) in enumerate(zip(order, n_given, strict=True)):
        ratings[i, row[:k]] = answers[i, row[:k]]
    return ratings


def _model_view(X: np.ndarray, ratings: np.ndarray, n_classes: int, seed: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-sample probabilities trained on the vote, and each annotator's accuracy
    against the model's guesses (smoothed towards 0.5, so an unseen annotator is unsure)."""
    proba = out_of_sample_proba(X, majority_vote(ratings, n_classes, random_state=seed).labels,
                                seed)
    guess = proba.argmax(axis=1)
    rated = ratings != MISSING
    hits = ((ratings == guess[:, None]) & rated).sum(axis=0)
    return proba, (hits + 1) / (rated.sum(axis=0) + 2)


def _combined(ratings: np.ndarray, proba: np.ndarray, n_classes: int) -> dict[str, np.ndarray]:
    return {"model consensus": model_consensus(ratings, proba, n_classes).labels,
            "Dawid-Skene": DawidSkene(n_classes=n_classes).fit(ratings).consensus().labels}


def adaptive_overlap(X: np.ndarray, y: np.ndarray, n_classes: int, seed: int
                     ) -> dict[str, tuple[int, dict[str, float]]]:
    """Labels used and consensus accuracies of fixed overlap 1-3 and of adaptive overlap."""
    rng = np.random.default_rng(seed)
    answers = simulate_team(y, n_classes, len(ACCURACIES), rng)  # every annotator's answer
    order = np.argsort(rng.random(answers.shape), axis=1)  # who is asked first, second, ...
    results = {}
    for k in range(1, MAX_LABELS + 1):
        ratings = _revealed(answers, order, np.full(len(y), k))
        proba, _ = _model_view(X, ratings, n_classes, seed)
        results[f"fixed overlap {k}"] = (int((ratings != MISSING).sum()), {
            name: float((labels == y).mean())
            for name, labels in _combined(ratings, proba, n_classes).items()})
    n_given = np.ones(len(y), dtype=int)
    while True:
        ratings = _revealed(answers, order, n_given)
        proba, accuracy = _model_view(X, ratings, n_classes, seed)
        ask = needs_another_label(ratings, proba, accuracy, TARGET, MAX_LABELS)
        if not ask.any():
            break
        n_given += ask
    results["adaptive overlap"] = (int(n_given.sum()), {
        name: float((labels == y).mean())
        for name, labels in _combined(ratings, proba, n_classes).items()})
    return results


def adaptive_main(seeds: int) -> None:
    X, y = load_digits(return_X_y=True)
    runs = [adaptive_overlap(X, y, 10, seed) for seed in range(seeds)]
    print(f"Digits, {len(y)} items, {seeds} seeds; adaptive target {TARGET}, at most "
          f"{MAX_LABELS} labels per item.\n")
    print("| overlap | labels per item | model consensus accuracy | Dawid-Skene accuracy |")
    print("|---|---|---|---|")
    for name in runs[0]:
        used = np.mean([run[name][0] for run in runs]) / len(y)
        cells = []
        for method in ("model consensus", "Dawid-Skene"):
            values = [run[name][1][method] for run in runs]
            cells.append(f"{np.mean(values):.4f} ± {np.std(values):.4f}")
        print(f"| {name} | {used:.2f} | {cells[0]} | {cells[1]} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--labels-per-item", type=int, nargs="+", default=[3, 5])
    parser.add_argument("--adaptive", action="store_true",
                        help="fixed against adaptive overlap: labels used and accuracy")
    parser.add_argument("--relabel", action="store_true",
                        help="relabel or label new, at equal labels: adaptive overlap, fixed "
                             "overlap 3 and cleanlab's ActiveLab (benchmarks/teams_relabel.py)")
    parser.add_argument("--budget", type=int, default=600, help="labels spent (--relabel)")
    args = parser.parse_args()
    has_cleanlab = importlib.util.find_spec("cleanlab") is not None
    if args.adaptive:
        adaptive_main(args.seeds)
        return
    if args.relabel:
        from teams_relabel import relabel_main

        relabel_main(args.seeds, args.budget, has_cleanlab)
        return
    X, y = load_digits(return_X_y=True)
    n_classes = 10
    print("| labels per item | method | consensus accuracy | seconds |")
    print("|---|---|---|---|")
    for k in args.labels_per_item:
        scores: dict[str, list[float]] = {}
        seconds: dict[str, list[float]] = {}
        for seed in range(args.seeds):
            rng = np.random.default_rng(seed)
            ratings = simulate_team(y, n_classes, k, rng)
            vote = majority_vote(ratings, n_classes, random_state=seed).labels
            proba = out_of_sample_proba(X, vote, seed)
            methods = consensus_methods(ratings, proba, n_classes, seed, has_cleanlab)
            for name, method in methods.items():
                start = time.perf_counter()
                labels = method()
                seconds.setdefault(name, []).append(time.perf_counter() - start)
                scores.setdefault(name, []).append(float((labels == y).mean()))
        for name, values in scores.items():
            print(f"| {k} | {name} | {np.mean(values):.4f} ± {np.std(values):.4f} | "
                  f"{np.mean(seconds[name]):.3f} |")
    if not has_cleanlab:
        print("\n(cleanlab is not installed: the CROWDLAB baseline is skipped; "
              "pip install 'cleanlab>=2.6')")


if __name__ == "__main__":
    main()
