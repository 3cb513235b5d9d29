"""Tabular datasets of the shared folder: UCI tables and the ADBench anomaly sets.

Each table is described declaratively (:class:`_Table`) and read by one function, so
every set gets the same treatment: id columns dropped, categoricals one-hot encoded,
missing numeric values median-imputed and noted in the description, nothing standardised.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from .._random import RandomLike
from ..exceptions import DataError
from ._dataset import Dataset, Task, subsample
from ._shared import SharedSpec
from ._tabular import encode_features, encode_target

__all__ = ["TABULAR_SPECS", "adbench_specs"]


@dataclass(frozen=True)
class _Table:
    """Layout of a delimited file (or several stacked files) with one target column."""

    files: tuple[str, ...]
    target: str
    names: tuple[str, ...] | None = None  # None: the file has a header line
    sep: str = ","
    drop: tuple[str, ...] = ()
    na_values: tuple[str, ...] = ()
    label_suffix: str = ""  # stripped from string labels (adult's test set writes '>50K.')
    task: Task = "classification"


def _numbered(prefix: str, n: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{i}" for i in range(1, n + 1))


_SPAM_WORDS = (
    "make address all 3d our over remove internet order mail receive will people report "
    "addresses free business email you credit your font 000 money hp hpl george 650 lab labs "
    "telnet 857 data 415 85 technology 1999 parts pm direct cs meeting original project re "
    "edu table conference").split()
_SPAMBASE = (*(f"word_freq_{w}" for w in _SPAM_WORDS), *(f"char_freq_{c}" for c in ";([!$#"),
             "capital_run_length_average", "capital_run_length_longest",
             "capital_run_length_total", "spam")
_ADULT = ("age", "workclass", "fnlwgt", "education", "education-num", "marital-status",
          "occupation", "relationship", "race", "sex", "capital-gain", "capital-loss",
          "hours-per-week", "native-country", "income")
_GERMAN = ("checking_status", "duration", "credit_history", "purpose", "credit_amount",
           "savings", "employment", "installment_rate", "personal_status_sex",
           "other_debtors", "residence_since", "property", "age", "other_installment_plans",
           "housing", "existing_credits", "job", "people_liable", "telephone",
           "foreign_worker", "credit")
_BREAST = ("id", "clump_thickness", "uniformity_cell_size", "uniformity_cell_shape",
           "marginal_adhesion", "single_epithelial_cell_size", "bare_nuclei",
           "bland_chromatin", "normal_nucleoli", "mitoses", "class")
_LETTER = ("letter", "x-box", "y-box", "width", "high", "onpix", "x-bar", "y-bar", "x2bar",
           "y2bar", "xybar", "x2ybr", "xy2br", "x-ege", "xegvy", "y-ege", "yegvx")
_PIMA = ("pregnancies", "glucose", "blood_pressure", "skin_thickness", "insulin", "bmi",
         "diabetes_pedigree", "age", "diabetes")
_HOUSING = ("longitude", "latitude", "housingMedianAge", "totalRooms", "totalBedrooms",
            "population", "households", "medianIncome", "medianHouseValue")


def _load_table(table: _Table, name: str, description: str, folder: Path,
                max_samples: int | None, random_state: RandomLike) -> Dataset:
    try:
        frame = pd.concat(
            [pd.read_csv(folder / f, sep=table.sep, header=None if table.names else 0,
                         names=list(table.names) if table.names else None,
                         na_values=list(table.na_values), skipinitialspace=True)
             for f in table.files], ignore_index=True)
    except (ValueError, pd.errors.ParserError) as err:
        raise DataError(f"dataset '{name}' cannot be parsed from {folder} ({err}); "
                        f"the files may be damaged, compare them with the README") from None
    labels = frame.pop(table.target)
    if not pd.api.types.is_numeric_dtype(labels):
        labels = labels.astype(str).str.strip().str.removesuffix(table.label_suffix)
    X, names, notes = encode_features(frame.drop(columns=list(table.drop)), impute=True)
    dataset = Dataset(name=name, X=X, y=encode_target(labels, table.task), kind="tabular",
                      task=table.task, feature_names=names,
                      description=" ".join([description, *notes]))
    return subsample(dataset, max_samples, random_state)


def _spec(name: str, folder: str, table: _Table, n_samples: int, n_classes: int | None,
          description: str) -> SharedSpec:
    return SharedSpec(name=name, folder=folder, files=table.files, kind="tabular",
                      task=table.task, n_samples=n_samples, n_classes=n_classes,
                      description=description,
                      loader=partial(_load_table, table, name, description))


TABULAR_SPECS: tuple[SharedSpec, ...] = (
    _spec("spambase", "spambase", _Table(("spambase.data",), "spam", _SPAMBASE),
          4601, 2, "UCI Spambase: 4,601 e-mails, 57 word/character frequency features; "
                   "label 1 = spam."),
    _spec("banknote", "banknote",
          _Table(("banknote_authentication.csv",), "class",
                 ("variance", "skewness", "curtosis", "entropy", "class")),
          1372, 2, "UCI Banknote Authentication: 1,372 banknotes, 4 wavelet features; "
                   "label 1 = forged."),
    _spec("covertype_head6k", "covertype_head6k", _Table(("covtype-1.csv",), "Cover_Type"),
          5999, 7, "UCI Covertype, first 5,999 rows only (not a random sample): 54 "
                   "cartographic features, 7 forest cover types."),
    _spec("pima", "pima-indians-diabetes",
          _Table(("pima-indians-diabetes.csv",), "diabetes", _PIMA),
          768, 2, "Pima Indians Diabetes: 768 patients, 8 features (zeros encode missing "
                  "values in several columns, kept as in the original); label 1 = diabetes."),
    _spec("sonar", "sonar", _Table(("sonar.csv",), "label", (*_numbered("band_", 60), "label")),
          208, 2, "UCI Sonar: 208 sonar returns, 60 band energies; M = mine, R = rock."),
    _spec("ionosphere", "ionosphere",
          _Table(("ionosphere.csv",), "label", (*_numbered("pulse_", 34), "label")),
          351, 2, "UCI Ionosphere: 351 radar returns, 34 features; g = good, b = bad."),
    _spec("phoneme", "phoneme",
          _Table(("phoneme.csv",), "class", (*_numbered("aa_", 5), "class")),
          5404, 2, "ELENA Phoneme: 5,404 sounds, 5 harmonic amplitudes; 1 = oral vowel "
                   "vs 0 = nasal."),
    _spec("german", "german", _Table(("german.csv",), "credit", _GERMAN),
          1000, 2, "UCI Statlog German Credit: 1,000 applicants, 20 attributes (13 "
                   "categorical, one-hot encoded); 1 = good, 2 = bad credit."),
    _spec("breast_cancer_wisconsin", "breast_cancer_wisconsin",
          _Table(("breast-cancer-wisconsin.data",), "class", _BREAST, drop=("id",),
                 na_values=("?",)),
          699, 2, "UCI Breast Cancer Wisconsin (Original): 699 samples, 9 cytology scores "
                  "(sample id dropped); 2 = benign, 4 = malignant."),
    _spec("letter", "letter", _Table(("letter-recognition.data",), "letter", _LETTER),
          20000, 26, "UCI Letter Recognition: 20,000 glyphs, 16 integer features, "
                     "26 letters."),
    _spec("adult", "adult",
          _Table(("adult.data", "adult.test.noheader"), "income", _ADULT, label_suffix="."),
          48842, 2, "UCI Adult (census income), train 32,561 + test 16,281 combined: 14 "
                    "attributes, categoricals one-hot encoded ('?' is its own category); "
                    "<=50K vs >50K."),
    _spec("wine_quality_red", "wine_quality",
          _Table(("winequality-red.csv",), "quality", sep=";", task="regression"),
          1599, None, "UCI Wine Quality, red: 1,599 wines, 11 physico-chemical features; "
                      "target quality score 3-8."),
    _spec("wine_quality_white", "wine_quality",
          _Table(("winequality-white.csv",), "quality", sep=";", task="regression"),
          4898, None, "UCI Wine Quality, white: 4,898 wines, 11 physico-chemical features; "
                      "target quality score 3-9."),
    _spec("california_housing", "california_housing",
          _Table(("cal_housing.data",), "medianHouseValue", _HOUSING, task="regression"),
          20640, None, "California Housing (1990 census): 20,640 block groups, 8 features; "
                       "target median house value in USD."),
    _spec("energy_efficiency", "energy_efficiency",
          _Table(("ENB2012_data.csv",), "Y1", drop=("Y2",), task="regression"),
          768, None, "UCI Energy Efficiency: 768 simulated buildings, 8 features (X1 "
                     "relative compactness .. X8 glazing area distribution); target Y1 "
                     "heating load (cooling load Y2 dropped)."),
)

ADBENCH_FOLDER = "adbench_classical"
# The files this repository's shared folder ships (README), so they are listed even when
# the folder is absent; any other ADBench .npz found there is registered too.
_ADBENCH_KNOWN = {"10_cover.npz": 286048, "18_Ionosphere.npz": 351, "29_Pima.npz": 768,
                  "2_annthyroid.npz": 7200, "38_thyroid.npz": 3772, "4_breastw.npz": 683,
                  "6_cardio.npz": 1831}


def load_npz_archive(file: str, name: str, description: str, folder: Path,
              max_samples: int | None, random_state: RandomLike) -> Dataset:
    try:
        with np.load(folder / file, allow_pickle=False) as archive:
            X = np.asarray(archive["X"], dtype=np.float64)
            y = np.asarray(archive["y"]).astype(np.int64)
    except (KeyError, ValueError, OSError, zipfile.BadZipFile) as err:
        raise DataError(f"'{folder / file}' is not an ADBench archive with arrays 'X' and "
                        f"'y' ({err}); replace the file") from None
    if not np.isin(y, (0, 1)).all():
        raise DataError(f"'{folder / file}' has labels other than 0 and 1; ADBench files "
                        f"mark anomalies with 1")
    dataset = Dataset(name=name, X=X, y=y, kind="tabular", task="anomaly",
                      feature_names=[f"x{j}" for j in range(X.shape[1])],
                      description=description)
    return subsample(dataset, max_samples, random_state)


def _adbench_spec(file: str, n_samples: int) -> SharedSpec:
    short = re.sub(r"^\d+_", "", file.removesuffix(".npz")).lower()
    name = f"adbench:{short}"
    size = f"{n_samples:,} rows" if n_samples else "size read on loading"
    description = f"ADBench '{short}' anomaly detection set, {size}; y = 1 marks anomalies."
    return SharedSpec(name=name, folder=ADBENCH_FOLDER, files=(file,), kind="tabular",
                      task="anomaly", n_samples=n_samples, n_classes=None,
                      description=description,
                      loader=partial(load_npz_archive, file, name, description))


def adbench_specs(root: Path | None) -> tuple[SharedSpec, ...]:
    """One spec per ADBench ``.npz``: the shipped ones, plus any others in ``root``."""
    files = dict(_ADBENCH_KNOWN)
    if root is not None and (root / ADBENCH_FOLDER).is_dir():
        for path in sorted((root / ADBENCH_FOLDER).glob("*.npz")):
            files.setdefault(path.name, 0)  # unknown size until loaded
    specs = [_adbench_spec(f, n) for f, n in files.items()]
    return tuple(sorted(specs, key=lambda s: s.name))
