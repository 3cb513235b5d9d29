"""Datasets for active learning: user files, the shared data folder, scikit-learn's sets.

>>> from activelab.data import load_dataset
>>> ds = load_dataset("sklearn:iris")
>>> ds.n_samples, ds.n_classes
(150, 3)

Every loader returns a :class:`Dataset`: tabular features as float64 (categoricals
one-hot encoded, never standardised), images as float32 in [0, 1], text as raw strings.
"""

from ._catalog import available_datasets, load_dataset
from ._cluttered import load_cluttered_digits, make_cluttered_digits
from ._cluttered_mnist import make_cluttered_mnist
from ._dataset import Dataset, DatasetInfo, subsample
from ._features import check_features
from ._files import SUPPORTED_SUFFIXES, load_file
from ._mnist import read_idx
from ._shared import ENV_VAR, data_folder_problem, find_data_dir
from ._shared_tabular import load_npz_archive

__all__ = [
    "Dataset",
    "DatasetInfo",
    "ENV_VAR",
    "SUPPORTED_SUFFIXES",
    "available_datasets",
    "check_features",
    "data_folder_problem",
    "find_data_dir",
    "load_dataset",
    "load_file",
    "load_npz_archive",
    "load_cluttered_digits",
    "make_cluttered_digits",
    "make_cluttered_mnist",
    "read_idx",
    "subsample",
]
