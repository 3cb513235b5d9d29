"""Relabel or label new: adaptive overlap, fixed overlap 3 and cleanlab's ActiveLab.

Run:  python benchmarks/teams.py --relabel [--seeds 5] [--budget 600]

scikit-learn's digits are split into a pool (two thirds) and a test set.  The
simulated team of :mod:`teams` (eight annotators, accuracies 0.95 to 0.35,
class-dependent confusion) holds a hidden answer for every pool item; each
item asks its annotators in a fixed random order, the same for every policy.
All policies start from the same random items with one label each and spend
the same label budget in rounds; each round the model (a logistic regression
trained on the consensus labels) is refitted, with out-of-sample (cross-
validated) probabilities for the labelled items:

* fixed overlap 3: every item gets three labels; new items are those the model
  is least sure of;
* adaptive overlap: an item gets another label while
  :func:`activelab.teams.needs_another_label` says it is in doubt (up to three);
  the rest of the round goes to new items, least sure first;
* cleanlab ActiveLab: the round's labels go to the items with the lowest
  ``get_active_learning_scores``, labelled (one more label) or not.

Every policy's labels are combined the same way (activelab's model consensus),
so only the choice of what to label differs.  Reported at equal labels: the
model's accuracy on the test set, and the consensus accuracy on the labelled items;
with cleanlab installed, both again with the labels combined by CROWDLAB (the
consensus cleanlab pairs ActiveLab with).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from activelab.teams import MISSING, majority_vote, model_consensus, needs_another_label
from teams import ACCURACIES, MAX_LABELS, TARGET, _cleanlab_labels, crowdlab, simulate_team

#: Items labelled once before any policy chooses, and labels spent per round.
START, ROUND = 50, 50
POLICIES = ("fixed overlap 3", "adaptive overlap", "cleanlab ActiveLab")


class _Team:
    """The hidden answers and who is asked next, per item; the labels revealed so far."""

    def __init__(self, y: np.ndarray, n_classes: int, rng: np.random.Generator) -> None:
        self.answers = simulate_team(y, n_classes, len(ACCURACIES), rng)
        self.order = np.argsort(rng.random(self.answers.shape), axis=1)
        self.n_given = np.zeros(len(y), dtype=int)
        self.ratings = np.full_like(self.answers, MISSING)

    def ask(self, items: np.ndarray) -> None:
        """One more label for each of ``items`` (from its next annotator)."""
        for i in items:
            annotator = self.order[i, self.n_given[i]]
            self.ratings[i, annotator] = self.answers[i, annotator]
            self.n_given[i] += 1


def _model() -> Pipeline:
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def _oos_proba(X: np.ndarray, labels: np.ndarray, n_classes: int, seed: int) -> np.ndarray:
    """Cross-validated probabilities over all classes (a class too rare to split: none)."""
    counts = np.bincount(labels, minlength=n_classes)
    folds = int(min(5, counts[counts > 0].min()))
    proba = np.full((len(labels), n_classes), 1e-3)
    present = np.flatnonzero(counts)
    if folds < 2:
        proba[:, present] = _model().fit(X, labels).predict_proba(X)
    else:
        proba[:, present] = cross_val_predict(
            _model(), X, labels, method="predict_proba",
            cv=StratifiedKFold(folds, shuffle=True, random_state=seed))
    return proba / proba.sum(axis=1, keepdims=True)


class _State:
    """The model's view after a round: consensus labels and probabilities."""

    def __init__(self, X: np.ndarray, team: _Team, n_classes: int, seed: int) -> None:
        self.labelled = np.flatnonzero(team.n_given > 0)
        ratings = team.ratings[self.labelled]
        vote = majority_vote(ratings, n_classes, random_state=seed).labels
        self.proba = _oos_proba(X[self.labelled], vote, n_classes, seed)
        self.consensus = model_consensus(ratings, self.proba, n_classes).labels
        present = np.unique(self.consensus)
        model = _model().fit(X[self.labelled], self.consensus)
        self.unlabelled = np.flatnonzero(team.n_given == 0)
        self.proba_new = np.full((len(self.unlabelled), n_classes), 1e-3)
        self.proba_new[:, present] = model.predict_proba(X[self.unlabelled])
        self.model = model
        guess = self.proba.argmax(axis=1)
        rated = ratings != MISSING
        hits = ((ratings == guess[:, None]) & rated).sum(axis=0)
        self.accuracy = (hits + 1) / (rated.sum(axis=0) + 2)


def _least_sure(state: _State, n: int) -> np.ndarray:
    return state.unlabelled[np.argsort(state.proba_new.max(axis=1), kind="stable")[:n]]


def _fixed(team: _Team, state: _State, n: int) -> np.ndarray:
    short = state.labelled[team.n_given[state.labelled] < MAX_LABELS]
    again = np.repeat(short, MAX_LABELS - team.n_given[short])[:n]
    new = _least_sure(state, -(-(n - len(again)) // MAX_LABELS))  # the last may fall short
    return np.concatenate([again, np.repeat(new, MAX_LABELS)])[:n]


def _adaptive(team: _Team, state: _State, n: int) -> np.ndarray:
    doubt = needs_another_label(team.ratings[state.labelled], state.proba, state.accuracy,
                                TARGET, MAX_LABELS)
    again = state.labelled[doubt][:n]
    return np.concatenate([again, _least_sure(state, n - len(again))])


def _activelab(team: _Team, state: _State, n: int) -> np.ndarray:
    from cleanlab.multiannotator import get_active_learning_scores

    with warnings.catch_warnings():  # cleanlab's advice on small overlaps: noise here
        warnings.simplefilter("ignore")
        scores, scores_new = get_active_learning_scores(
            _cleanlab_labels(team.ratings[state.labelled]), state.proba, state.proba_new)
    scores = np.where(team.n_given[state.labelled] < len(ACCURACIES), scores, np.inf)
    candidates = np.concatenate([state.labelled, state.unlabelled])
    return candidates[np.argsort(np.concatenate([scores, scores_new]), kind="stable")[:n]]


CHOOSERS: dict[str, Callable[[_Team, _State, int], np.ndarray]] = {
    "fixed overlap 3": _fixed, "adaptive overlap": _adaptive, "cleanlab ActiveLab": _activelab}


def run_policy(policy: str, X: np.ndarray, y: np.ndarray, X_test: np.ndarray,
               y_test: np.ndarray, n_classes: int, budget: int, seed: int,
               start: int = START, round_size: int = ROUND, with_crowdlab: bool = False
               ) -> dict[str, float]:
    """Spend ``budget`` labels with ``policy``; the model's test accuracy and the
    consensus accuracy on the labelled items, and the labels per labelled item.
    ``with_crowdlab`` adds both accuracies with the labels combined by cleanlab's CROWDLAB."""
    rng = np.random.default_rng(seed)
    team = _Team(y, n_classes, rng)  # same seed: the same answers for every policy
    team.ask(rng.choice(len(y), size=start, replace=False))
    while (spent := int(team.n_given.sum())) < budget:
        state = _State(X, team, n_classes, seed)
        team.ask(CHOOSERS[policy](team, state, min(round_size, budget - spent)))
    state = _State(X, team, n_classes, seed)
    result = {"labels": float(team.n_given.sum()),
              "labels per item": float(team.n_given.sum() / len(state.labelled)),
              "test accuracy": float(state.model.score(X_test, y_test)),
              "consensus accuracy": float((state.consensus == y[state.labelled]).mean())}
    if with_crowdlab:  # the same labels combined by CROWDLAB, and a model trained on them
        crowd = crowdlab(team.ratings[state.labelled], state.proba).astype(int)
        result["CROWDLAB consensus accuracy"] = float((crowd == y[state.labelled]).mean())
        result["CROWDLAB test accuracy"] = float(
            _model().fit(X[state.labelled], crowd).score(X_test, y_test))
    return result


def relabel_main(seeds: int, budget: int, with_cleanlab: bool) -> None:
    from sklearn.datasets import load_digits

    X_all, y_all = load_digits(return_X_y=True)
    n_classes = 10
    policies = POLICIES if with_cleanlab else POLICIES[:2]
    table: dict[str, list[dict[str, float]]] = {policy: [] for policy in policies}
    for seed in range(seeds):
        X, X_test, y, y_test = train_test_split(X_all, y_all, test_size=1 / 3,
                                                random_state=seed, stratify=y_all)
        for policy in policies:
            table[policy].append(run_policy(policy, X, y, X_test, y_test, n_classes, budget,
                                            seed, with_crowdlab=with_cleanlab))
    print(f"Digits pool {len(y)}, test {len(y_test)}, {seeds} seeds, {budget} labels each "
          f"(start {START} items with one label, rounds of {ROUND}).\n")
    keys = ["test accuracy", "consensus accuracy"]
    if with_cleanlab:
        keys += ["CROWDLAB test accuracy", "CROWDLAB consensus accuracy"]
    headers = ["model test accuracy", "consensus accuracy", "model test accuracy, CROWDLAB",
               "consensus accuracy, CROWDLAB"][:len(keys)]
    print(f"| policy | labels per labelled item | {' | '.join(headers)} |")
    print("|---" * (len(keys) + 2) + "|")
    for policy, runs in table.items():
        cells = [f"{np.mean([r[key] for r in runs]):.4f} ± {np.std([r[key] for r in runs]):.4f}"
                 for key in keys]
        per_item = np.mean([r["labels per item"] for r in runs])
        print(f"| {policy} | {per_item:.2f} | {' | '.join(cells)} |")
    if not with_cleanlab:
        print("\n(cleanlab is not installed: the ActiveLab baseline is skipped; "
              "pip install 'cleanlab>=2.6')")
