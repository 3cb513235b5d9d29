"""load_dataset by name, the catalogue, find_data_dir, the Dataset class and subsampling."""

from __future__ import annotations

import numpy as np
import pytest

from activelab.data import (
    ENV_VAR,
    Dataset,
    available_datasets,
    find_data_dir,
    load_dataset,
    subsample,
)
from activelab.data._dataset import subsample_indices
from activelab.exceptions import ConfigError, DataError

SKLEARN = {  # name: (shape, kind, task, n_classes)
    "sklearn:digits": ((1797, 64), "image", "classification", 10),
    "sklearn:breast_cancer": ((569, 30), "tabular", "classification", 2),
    "sklearn:wine": ((178, 13), "tabular", "classification", 3),
    "sklearn:iris": ((150, 4), "tabular", "classification", 3),
    "sklearn:diabetes": ((442, 10), "tabular", "regression", None),
}
SHARED = ["spambase", "banknote", "covertype_head6k", "pima", "sonar", "ionosphere",
          "phoneme", "german", "breast_cancer_wisconsin", "letter", "adult",
          "wine_quality_red", "wine_quality_white", "california_housing", "energy_efficiency",
          "sms_spam", "20newsgroups", "trec", "sst2", "mr_polarity", "mnist",
          "adbench:thyroid", "adbench:cover"]


@pytest.mark.parametrize("name", list(SKLEARN))
def test_sklearn_sets(name):
    shape, kind, task, n_classes = SKLEARN[name]
    ds = load_dataset(name)
    assert ds.name == name and ds.X.shape == shape and ds.kind == kind and ds.task == task
    assert ds.n_classes == n_classes and ds.n_samples == shape[0]
    assert len(ds.feature_names) == shape[1] and ds.description


def test_digits_are_float32_pixels_in_unit_range():
    ds = load_dataset("sklearn:digits")
    assert ds.X.dtype == np.float32 and ds.X.min() == 0.0 and ds.X.max() == 1.0
    assert ds.y.dtype == np.int64


def test_sklearn_class_names_are_words():
    assert set(load_dataset("sklearn:iris").y) == {"setosa", "versicolor", "virginica"}


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ConfigError, match="sklearn:iris.*spambase"):
        load_dataset("spambse")
    with pytest.raises(ConfigError, match="sklearn:digits"):
        load_dataset("sklearn:mnist")


def test_target_is_refused_for_named_sets_unless_it_names_theirs():
    with pytest.raises(ConfigError, match=r"fixed target \('target'\); leave out target="):
        load_dataset("sklearn:iris", target="species")
    assert load_dataset("sklearn:iris", target="target").n_samples == 150
    with pytest.raises(ConfigError, match="fixed target; leave out target="):
        load_dataset("spambase", target="target")


@pytest.mark.parametrize("bad", [0, -5, 2.5, True, "10"])
def test_max_samples_must_be_a_positive_int(bad):
    with pytest.raises(ConfigError, match="max_samples"):
        load_dataset("sklearn:iris", max_samples=bad)


def test_max_samples_is_seeded_and_stratified():
    a = load_dataset("sklearn:digits", max_samples=300, random_state=3)
    b = load_dataset("sklearn:digits", max_samples=300, random_state=3)
    c = load_dataset("sklearn:digits", max_samples=300, random_state=4)
    assert a.n_samples == 300 and np.array_equal(a.X, b.X) and not np.array_equal(a.X, c.X)
    assert np.bincount(a.y).min() >= 29 and np.bincount(a.y).max() <= 31
    assert "Seeded stratified subsample of 300 of 1,797 rows" in a.description


def test_max_samples_for_regression_is_a_plain_random_draw():
    ds = load_dataset("sklearn:diabetes", max_samples=100, random_state=0)
    assert ds.n_samples == 100 and "Seeded subsample of 100" in ds.description


def test_max_samples_at_least_n_keeps_everything():
    assert load_dataset("sklearn:iris", max_samples=1000).n_samples == 150


def test_stratified_subsample_keeps_every_class_when_it_can():
    y = np.array([0] * 990 + [1] * 8 + [2] * 2)
    idx = subsample_indices(y, 20, stratify=True, random_state=0)
    assert idx.size == 20 and set(y[idx]) == {0, 1, 2}
    assert np.all(np.diff(idx) > 0)  # sorted, no repeats
    few = subsample_indices(y, 2, stratify=True, random_state=0)
    assert few.size == 2


def test_available_datasets_lists_sklearn_and_shared_sets():
    infos = {info.name: info for info in available_datasets()}
    for name in SKLEARN:
        assert infos[name].available and infos[name].n_samples == SKLEARN[name][0][0]
    for name in SHARED:
        assert name in infos, name
        assert infos[name].description
    assert infos["mnist"].kind == "image" and infos["sms_spam"].kind == "text"
    assert infos["adbench:thyroid"].task == "anomaly"
    assert infos["california_housing"].task == "regression"
    if find_data_dir() is not None:
        assert infos["spambase"].available


def test_available_datasets_flags_absent_folders(tmp_path):
    (tmp_path / "banknote").mkdir()
    (tmp_path / "banknote" / "banknote_authentication.csv").write_text("1,2,3,4,0\n")
    infos = {info.name: info for info in available_datasets(data_dir=tmp_path)}
    assert infos["banknote"].available
    assert not infos["spambase"].available and not infos["mnist"].available
    assert infos["sklearn:iris"].available


def test_find_data_dir_honours_the_env_var(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert find_data_dir() == tmp_path.resolve()
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "missing"))
    assert find_data_dir() is None


def test_find_data_dir_walks_up_to_a_sibling_shared_data(monkeypatch, tmp_path):
    monkeypatch.delenv(ENV_VAR, raising=False)
    (tmp_path / "shared" / "data").mkdir(parents=True)
    (tmp_path / "repo" / "sub").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "repo" / "sub")
    assert find_data_dir() == tmp_path / "shared" / "data"


def test_dataset_validates_its_fields():
    with pytest.raises(DataError, match="3 rows but y has 2"):
        Dataset("x", np.zeros((3, 2)), np.array([0, 1]), "tabular", "classification")
    with pytest.raises(ConfigError, match="kind"):
        Dataset("x", np.zeros((2, 2)), np.array([0, 1]), "audio", "classification")
    with pytest.raises(ConfigError, match="task"):
        Dataset("x", np.zeros((2, 2)), np.array([0, 1]), "tabular", "ranking")
    with pytest.raises(DataError, match="feature names"):
        Dataset("x", np.zeros((2, 2)), np.array([0, 1]), "tabular", "classification", ["a"])


def test_dataset_properties_and_repr():
    ds = Dataset("toy", np.zeros((4, 2)), [1, 2, 2, 1], "tabular", "classification")
    assert isinstance(ds.y, np.ndarray) and ds.n_samples == 4 and ds.n_classes == 2
    assert ds.classes.tolist() == [1, 2]
    assert repr(ds) == ("Dataset(name='toy', kind='tabular', task='classification', "
                        "n_samples=4, n_features=2, n_classes=2)")
    reg = Dataset("r", np.zeros((2, 1)), np.array([0.5, 1.5]), "tabular", "regression")
    assert reg.n_classes is None and reg.classes is None


def test_subsample_works_on_text_and_sparse_features():
    import scipy.sparse as sp

    texts = np.array([f"t{i}" for i in range(10)], dtype=object)
    ds = Dataset("t", texts, np.array([0, 1] * 5), "text", "classification")
    small = subsample(ds, 4, random_state=0)
    assert small.X.shape == (4,) and small.X.dtype == object
    sparse = Dataset("s", sp.random(10, 3, density=0.5, format="csr", random_state=0),
                     np.array([0, 1] * 5), "tabular", "classification")
    assert subsample(sparse, 6).X.shape == (6, 3)
