"""Pool and label state: examples for each edit, property tests for the invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from activelab import (
    DataError,
    EmptyPoolError,
    InvalidFeaturesError,
    Pool,
    UnknownLabelError,
)


def test_pool_never_copies_dense_features():
    X = np.arange(20.0).reshape(10, 2)
    pool = Pool(X)
    assert pool.X is X
    pool.teach([1, 2], ["a", "b"])
    assert pool.X is X


def test_pool_keeps_memmap_without_loading(tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, np.ones((100, 3), dtype=np.float32))
    X = np.load(path, mmap_mode="r")
    pool = Pool(X)
    assert isinstance(pool.X, np.memmap) and pool.X is X


def test_sparse_and_dataframe_pools():
    X = sp.random(30, 5, density=0.3, format="csc", random_state=0)
    pool = Pool(X)
    assert pool.X.format == "csr"
    assert pool.take([1, 2]).shape == (2, 5)
    frame = pd.DataFrame({"a": np.arange(5.0), "b": np.arange(5)})
    pool = Pool(frame)
    assert pool.X is frame
    assert list(pool.take([0, 4])["a"]) == [0.0, 4.0]


def test_text_pool_is_an_object_array():
    pool = Pool(["hello world", "spam spam"])
    assert pool.X.dtype == object and pool.take([1]).tolist() == ["spam spam"]


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_features_are_rejected(bad):
    X = np.ones((5, 2))
    X[3, 1] = bad
    with pytest.raises(InvalidFeaturesError, match="row 3"):
        Pool(X)


def test_nan_in_sparse_and_dataframe_are_rejected():
    X = sp.csr_matrix(np.array([[0.0, 1.0], [np.nan, 0.0]]))
    with pytest.raises(InvalidFeaturesError, match="NaN"):
        Pool(X)
    with pytest.raises(InvalidFeaturesError, match="column 'b'"):
        Pool(pd.DataFrame({"a": [1.0, 2.0], "b": [1.0, np.nan]}))
    with pytest.raises(InvalidFeaturesError, match="not numeric"):
        Pool(pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]}))


def test_empty_pool_is_rejected():
    with pytest.raises(EmptyPoolError):
        Pool(np.empty((0, 3)))
    with pytest.raises(EmptyPoolError):
        Pool([])


def test_bad_shapes_are_rejected():
    with pytest.raises(DataError, match="2-D"):
        Pool(np.arange(5.0))
    with pytest.raises(DataError):
        Pool("not a matrix")


def test_declared_classes_reject_unknown_labels_and_change_nothing():
    pool = Pool(np.zeros((4, 1)), classes=["ham", "spam"])
    with pytest.raises(UnknownLabelError, match="'eggs'"):
        pool.teach([0, 1], ["ham", "eggs"])
    assert pool.n_labeled == 0
    pool.teach([0, 1], ["ham", "spam"])
    assert pool.labels_of([0, 1]).tolist() == ["ham", "spam"]


def test_discovered_classes_keep_first_seen_order_and_mixed_types_apart():
    pool = Pool(np.zeros((4, 1)))
    pool.teach([0, 1, 2], [1, "1", 1])
    assert pool.n_classes == 2
    assert pool.labels_of([0, 1]).tolist() == [1, "1"]


def test_none_or_nan_labels_are_rejected_without_side_effects():
    pool = Pool(np.zeros((3, 1)))
    with pytest.raises(UnknownLabelError):
        pool.teach([0, 1], ["a", None])
    with pytest.raises(UnknownLabelError):
        pool.teach([0, 1], ["a", float("nan")])
    assert pool.n_labeled == 0 and pool.n_classes == 0


def test_skip_relabel_remove():
    pool = Pool(np.zeros((6, 1)))
    pool.teach([0, 1], ["a", "b"])
    pool.skip([2])
    assert pool.unlabeled_indices.tolist() == [3, 4, 5]
    pool.relabel([1], ["a"])
    assert pool.labels_of([1]).tolist() == ["a"]
    with pytest.raises(DataError, match="no label"):
        pool.relabel([3], ["a"])
    pool.remove_labels([0])
    assert pool.labeled_indices.tolist() == [1]
    assert 0 in pool.unlabeled_indices
    pool.teach([2], ["b"])  # teaching a skipped item un-skips it
    assert pool.ignored_indices.tolist() == []


def test_index_errors():
    pool = Pool(np.zeros((3, 1)))
    with pytest.raises(DataError, match="out of range"):
        pool.teach([5], ["a"])
    with pytest.raises(DataError, match="duplicates"):
        pool.teach([1, 1], ["a", "a"])
    with pytest.raises(DataError, match="2 labels"):
        pool.teach([0], ["a", "b"])
    with pytest.raises(DataError, match="integers"):
        pool.skip([0.5])


def test_state_views_are_read_only():
    pool = Pool(np.zeros((3, 1)))
    with pytest.raises(ValueError):
        pool.codes[0] = 1
    with pytest.raises(ValueError):
        pool.ignored_mask[0] = True


# --------------------------------------------------------------------- properties
operation = st.tuples(
    st.sampled_from(["teach", "skip", "remove", "unskip"]),
    st.lists(st.integers(0, 29), min_size=1, max_size=6, unique=True),
    st.sampled_from(["x", "y", "z"]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(operation, max_size=25))
def test_label_state_invariants(operations):
    """Labelled, skipped and unlabelled always partition the pool, matching a plain model."""
    pool = Pool(np.zeros((30, 2)))
    expected: dict[int, str] = {}
    skipped: set[int] = set()
    for op, indices, label in operations:
        if op == "teach":
            pool.teach(indices, [label] * len(indices))
            expected.update({i: label for i in indices})
            skipped -= set(indices)
        elif op == "skip":
            pool.skip(indices)
            skipped |= set(indices)
            for i in indices:
                expected.pop(i, None)
        elif op == "remove":
            pool.remove_labels(indices)
            skipped -= set(indices)
            for i in indices:
                expected.pop(i, None)
        else:
            pool.unskip(indices)
            skipped -= set(indices)
    labeled = set(pool.labeled_indices.tolist())
    unlabeled = set(pool.unlabeled_indices.tolist())
    ignored = set(pool.ignored_indices.tolist())
    assert labeled == set(expected)
    assert ignored == skipped
    assert labeled | unlabeled | ignored == set(range(30))
    assert not (labeled & unlabeled) and not (labeled & ignored) and not (unlabeled & ignored)
    if expected:
        keys = sorted(expected)
        assert pool.labels_of(keys).tolist() == [expected[k] for k in keys]
        X_train, y_codes = pool.training_data()
        assert len(X_train) == len(y_codes) == len(keys)
        assert pool.decode(y_codes).tolist() == [expected[k] for k in keys]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.integers(-5, 5), st.text(max_size=3)), min_size=1, max_size=20))
def test_encode_decode_round_trip(labels):
    pool = Pool(np.zeros((1, 1)))
    codes = pool.encode(labels)
    assert pool.decode(codes).tolist() == labels
    assert codes.max() < pool.n_classes
