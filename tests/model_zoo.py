"""Models and small datasets shared by tests (a plain module, importable by name)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB, MultinomialNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC, LinearSVC
from sklearn.tree import DecisionTreeClassifier


def numeric_models() -> dict[str, object]:
    """Every model family the issue names, on non-negative numeric features."""
    return {
        "tree": DecisionTreeClassifier(random_state=0),
        "gaussian_nb": GaussianNB(),
        "multinomial_nb": MultinomialNB(),
        "logreg": LogisticRegression(max_iter=2000),
        # probability=True is deprecated in scikit-learn 1.9 but still what many users run;
        # the calibrated wrapper is its successor. Both must work.
        "svc_proba": SVC(probability=True, random_state=0),
        "svc_calibrated": CalibratedClassifierCV(SVC(random_state=0), ensemble=False),
        "svc": SVC(random_state=0),
        "linear_svc": LinearSVC(max_iter=20_000, random_state=0),
        "knn": KNeighborsClassifier(n_neighbors=3),
        "mlp": MLPClassifier(hidden_layer_sizes=(16,), max_iter=200, random_state=0),
    }


WORDS = {
    "sport": "goal match team score league coach player win season ball".split(),
    "tech": "code software chip data cloud server laptop phone app network".split(),
    "food": "pasta bread cheese recipe oven salad soup spice dinner fruit".split(),
}
FILLER = "the a of and to in is it that for on with as was".split()


def make_texts(n: int, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Tiny synthetic topic corpus: each text mixes its topic's words with filler."""
    rng = np.random.default_rng(seed)
    topics = list(WORDS)
    labels = rng.choice(topics, size=n)
    texts = [" ".join(rng.choice(WORDS[t] + FILLER, size=8)) for t in labels]
    return texts, labels


def text_pipeline() -> object:
    return make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=2000))


def write_topic_jsonl(path: Path, *, n: int = 120, seed: int = 0) -> Path:
    """A small multi-label JSONL file: each line's text mixes words of its 1-2 topics."""
    rng = np.random.default_rng(seed)
    words = {"sport": "goal match team", "tech": "code chip cloud", "food": "pasta soup bread"}
    lines = []
    for _ in range(n):
        topics = sorted(set(rng.choice(list(words), size=rng.integers(1, 3)).tolist()))
        text = " ".join(" ".join(rng.choice(words[t].split(), size=3)) for t in topics)
        lines.append(json.dumps({"text": text, "labels": topics}))
    path.write_text("\n".join(lines) + "\n")
    return path
