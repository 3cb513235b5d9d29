"""Every dataset of ../shared/data loads with the sizes and class counts its README states.

Each test skips with a message when the data folder, or that dataset's folder, is absent.
"""

from __future__ import annotations

import gzip
import shutil

import numpy as np
import pytest

from activelab.data import ENV_VAR, find_data_dir, load_dataset, read_idx
from activelab.exceptions import DataError


def need(folder: str):
    root = find_data_dir()
    if root is None:
        pytest.skip(f"../shared/data not found; set {ENV_VAR} to run the real-data tests")
    if not (root / folder).is_dir():
        pytest.skip(f"{root / folder} is absent")
    return root


def counts(y: np.ndarray) -> dict:
    values, n = np.unique(y, return_counts=True)
    return dict(zip(values.tolist(), n.tolist(), strict=True))


# name: (folder, n_samples, n_features or None for text, class counts from the README)
CLASSIFICATION = {
    "spambase": ("spambase", 4601, 57, {0: 2788, 1: 1813}),
    "banknote": ("banknote", 1372, 4, {0: 762, 1: 610}),
    "covertype_head6k": ("covertype_head6k", 5999, 54,
                         {1: 582, 2: 973, 3: 872, 4: 1536, 5: 976, 6: 820, 7: 240}),
    "pima": ("pima-indians-diabetes", 768, 8, {0: 500, 1: 268}),
    "sonar": ("sonar", 208, 60, {"M": 111, "R": 97}),
    "ionosphere": ("ionosphere", 351, 34, {"g": 225, "b": 126}),
    "phoneme": ("phoneme", 5404, 5, {0: 3818, 1: 1586}),
    "german": ("german", 1000, 61, {1: 700, 2: 300}),
    "breast_cancer_wisconsin": ("breast_cancer_wisconsin", 699, 9, {2: 458, 4: 241}),
    "adult": ("adult", 32561 + 16281, 108,
              {"<=50K": 24720 + 12435, ">50K": 7841 + 3846}),
    "sms_spam": ("sms_spam", 5574, None, {"ham": 4827, "spam": 747}),
    "trec": ("trec", 5452 + 500, None,
             {"ABBR": 86 + 9, "DESC": 1162 + 138, "ENTY": 1250 + 94, "HUM": 1223 + 65,
              "LOC": 835 + 81, "NUM": 896 + 113}),
    "mr_polarity": ("mr_polarity", 10662, None, {"pos": 5331, "neg": 5331}),
}


@pytest.mark.parametrize("name", list(CLASSIFICATION))
def test_classification_sets_match_readme(name):
    folder, n, width, expected = CLASSIFICATION[name]
    need(folder)
    ds = load_dataset(name)
    assert ds.n_samples == n and ds.task == "classification"
    assert counts(ds.y) == expected
    assert ds.n_classes == len(expected)
    if width is None:
        assert ds.kind == "text" and ds.X.shape == (n,) and ds.X.dtype == object
        assert all(isinstance(t, str) and t for t in ds.X[:200])
    else:
        assert ds.kind == "tabular" and ds.X.shape == (n, width)
        assert ds.X.dtype == np.float64 and np.isfinite(ds.X).all()
        assert len(ds.feature_names) == width


def test_letter_has_26_classes_of_734_to_813():
    need("letter")
    ds = load_dataset("letter")
    assert ds.X.shape == (20000, 16)
    per_class = counts(ds.y)
    assert len(per_class) == 26 and per_class["A"] == 789 and per_class["B"] == 766
    assert per_class["Z"] == 734 and max(per_class.values()) == 813


def test_20newsgroups_loads_all_posts_once():
    need("20newsgroups")
    ds = load_dataset("20newsgroups")
    assert ds.n_samples == 18846 and ds.kind == "text" and ds.n_classes == 20
    per_class = counts(ds.y)
    assert min(per_class.values()) == 377 + 251 and max(per_class.values()) == 600 + 399
    assert "alt.atheism" in per_class


def test_sst2_defaults_to_a_stratified_10k_and_gives_all_on_request():
    need("sst2")
    ds = load_dataset("sst2")
    assert ds.n_samples == 10_000 and ds.kind == "text"
    # stratified: the class ratio of the full 68,221 rows (55.7% positive) is kept
    assert abs(ds.y.mean() - 38013 / 68221) < 1e-3
    full = load_dataset("sst2", max_samples=10**6)
    assert counts(full.y) == {0: 29780 + 428, 1: 37569 + 444}


def test_mnist_files_match_readme_and_default_subset_is_stratified():
    root = need("mnist")
    train = read_idx(root / "mnist" / "train-labels-idx1-ubyte.gz", 2049)
    test = read_idx(root / "mnist" / "t10k-labels-idx1-ubyte.gz", 2049)
    assert np.bincount(train).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265,
                                           5851, 5949]
    assert np.bincount(test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    ds = load_dataset("mnist")
    assert ds.X.shape == (10_000, 784) and ds.X.dtype == np.float32 and ds.kind == "image"
    assert ds.X.min() == 0.0 and ds.X.max() == 1.0
    expected = (np.bincount(train) + np.bincount(test)) * 10_000 / 70_000
    assert np.abs(np.bincount(ds.y) - expected).max() <= 1
    again = load_dataset("mnist", random_state=0)
    assert np.array_equal(ds.X, again.X)
    small = load_dataset("mnist", max_samples=500, random_state=1)
    assert small.n_samples == 500 and small.n_classes == 10


@pytest.mark.parametrize(("name", "n", "distribution"), [
    ("wine_quality_red", 1599, {3: 10, 4: 53, 5: 681, 6: 638, 7: 199, 8: 18}),
    ("wine_quality_white", 4898, {3: 20, 4: 163, 5: 1457, 6: 2198, 7: 880, 8: 175, 9: 5}),
])
def test_wine_quality_is_regression_on_quality(name, n, distribution):
    need("wine_quality")
    ds = load_dataset(name)
    assert ds.task == "regression" and ds.n_classes is None
    assert ds.X.shape == (n, 11) and ds.y.dtype == np.float64
    assert counts(ds.y.astype(int)) == distribution


def test_california_housing_targets_median_house_value():
    need("california_housing")
    ds = load_dataset("california_housing")
    assert ds.X.shape == (20640, 8) and ds.task == "regression"
    assert ds.y.min() == 14999 and ds.y.max() == 500001
    assert abs(ds.y.mean() - 206856) < 1
    assert "medianHouseValue" not in ds.feature_names


def test_energy_efficiency_targets_heating_load_only():
    need("energy_efficiency")
    ds = load_dataset("energy_efficiency")
    assert ds.X.shape == (768, 8) and ds.task == "regression"
    assert ds.feature_names == [f"X{i}" for i in range(1, 9)]
    assert ds.y.min() == pytest.approx(6.01) and ds.y.max() == pytest.approx(43.10)


def test_breast_cancer_wisconsin_drops_id_and_imputes_bare_nuclei():
    need("breast_cancer_wisconsin")
    ds = load_dataset("breast_cancer_wisconsin")
    assert "id" not in ds.feature_names
    assert "16 missing values of 'bare_nuclei'" in ds.description and "median" in ds.description


def test_adult_one_hot_encodes_categoricals_with_question_mark_as_a_category():
    need("adult")
    ds = load_dataset("adult", max_samples=2000)
    assert "workclass=?" in ds.feature_names and "sex=Female" in ds.feature_names
    assert "age" in ds.feature_names
    onehot = [i for i, f in enumerate(ds.feature_names) if f.startswith("workclass=")]
    assert np.array_equal(ds.X[:, onehot].sum(axis=1), np.ones(2000))
    assert set(ds.y) == {"<=50K", ">50K"}  # the test file's trailing '.' is gone


@pytest.mark.parametrize(("name", "n", "n_anomalies"), [
    ("adbench:thyroid", 3772, 93), ("adbench:cardio", 1831, 176),
    ("adbench:annthyroid", 7200, 534), ("adbench:pima", 768, 268),
    ("adbench:breastw", 683, 239), ("adbench:ionosphere", 351, 126),
    ("adbench:cover", 286048, 2747),
])
def test_adbench_sets_are_anomaly_tasks(name, n, n_anomalies):
    need("adbench_classical")
    ds = load_dataset(name)
    assert ds.task == "anomaly" and ds.n_classes is None and ds.kind == "tabular"
    assert ds.n_samples == n and int(ds.y.sum()) == n_anomalies
    assert ds.y.dtype == np.int64 and set(np.unique(ds.y)) == {0, 1}


def test_shared_prefix_and_case_are_accepted():
    need("banknote")
    assert load_dataset("shared:banknote").n_samples == 1372
    assert load_dataset("BankNote").n_samples == 1372


def test_missing_dataset_folder_says_where_and_names_the_env_var(tmp_path):
    with pytest.raises(DataError, match="spambase.data") as err:
        load_dataset("spambase", data_dir=tmp_path)
    assert ENV_VAR in str(err.value) and str(tmp_path) in str(err.value)


def test_no_data_folder_at_all_names_the_env_var(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "nowhere"))
    assert find_data_dir() is None
    with pytest.raises(DataError, match=ENV_VAR):
        load_dataset("sms_spam")


def test_data_dir_env_var_points_at_a_copy(monkeypatch, tmp_path):
    root = need("banknote")
    shutil.copytree(root / "banknote", tmp_path / "banknote")
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert find_data_dir() == tmp_path.resolve()
    assert load_dataset("banknote").n_samples == 1372


@pytest.mark.parametrize(("content", "match"), [
    ((2049).to_bytes(4, "big") + (3).to_bytes(4, "big") + bytes(3), "magic number 2049"),
    ((2051).to_bytes(4, "big") + (2).to_bytes(4, "big") * 3 + bytes(5), "truncated"),
])
def test_idx_reader_checks_magic_and_length(tmp_path, content, match):
    path = tmp_path / "images.gz"
    path.write_bytes(gzip.compress(content))
    with pytest.raises(DataError, match=match):
        read_idx(path, 2051)


def test_idx_reader_rejects_a_file_that_is_not_gzip(tmp_path):
    path = tmp_path / "labels.gz"
    path.write_bytes(b"plain bytes")
    with pytest.raises(DataError, match="gzip"):
        read_idx(path, 2049)


def test_idx_reader_reads_a_tiny_image_file(tmp_path):
    pixels = np.arange(2 * 3 * 4, dtype=np.uint8)
    header = b"".join(v.to_bytes(4, "big") for v in (2051, 2, 3, 4))
    path = tmp_path / "tiny.gz"
    path.write_bytes(gzip.compress(header + pixels.tobytes()))
    assert np.array_equal(read_idx(path, 2051), pixels.reshape(2, 3, 4))
