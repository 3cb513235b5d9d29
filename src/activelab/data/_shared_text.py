"""Text datasets of the shared folder: raw strings, featurised later by the model pipeline."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from .._random import RandomLike
from ..exceptions import DataError
from ._dataset import Dataset, subsample
from ._shared import Loader, SharedSpec

__all__ = ["TEXT_SPECS"]


def _text_dataset(name: str, texts: Iterable[str], labels: Iterable[object],
                  description: str, max_samples: int | None,
                  random_state: RandomLike) -> Dataset:
    X = np.empty(len(texts := list(texts)), dtype=object)  # 1-D object array, never 2-D
    X[:] = texts
    dataset = Dataset(name=name, X=X, y=np.asarray(list(labels)), kind="text",
                      task="classification", description=description)
    return subsample(dataset, max_samples, random_state)


def _lines(path: Path, encoding: str) -> list[str]:
    # Not str.splitlines: it also splits on \x0c, \x1c, \u2028... found inside messages.
    return [line.rstrip("\r") for line in path.read_text(encoding=encoding).split("\n")]


def _tab_lines(path: Path, *, encoding: str = "utf-8",
               skip_header: bool = False) -> list[tuple[str, str]]:
    """``first<TAB>rest`` pairs of a tab-separated file, one record per line."""
    pairs = []
    lines = _lines(path, encoding)
    for number, line in enumerate(lines[1:] if skip_header else lines,
                                  start=2 if skip_header else 1):
        if not line.strip():
            continue
        first, tab, rest = line.partition("\t")
        if not tab:
            raise DataError(f"line {number} of '{path}' has no tab between label and text; "
                            f"the file may be damaged, compare it with the README")
        pairs.append((first.strip(), rest.strip()))
    return pairs


_SMS = ("UCI SMS Spam Collection: 5,574 text messages; ham 4,827 / spam 747.")


def _load_sms(folder: Path, max_samples: int | None, random_state: RandomLike) -> Dataset:
    pairs = _tab_lines(folder / "SMSSpamCollection")
    return _text_dataset("sms_spam", (t for _, t in pairs), (lab for lab, _ in pairs), _SMS,
                         max_samples, random_state)


_NEWS = ("20 Newsgroups 'bydate': 18,846 posts (train 11,314 + test 7,532 combined), "
         "20 groups; headers and footers kept.")


def _load_news(folder: Path, max_samples: int | None, random_state: RandomLike) -> Dataset:
    # pandas' C parser has no field-size limit, so long posts need no csv tweak.
    try:
        frame = pd.read_csv(folder / "20news-bydate.csv.gz", usecols=["label", "text"],
                            dtype=str, keep_default_na=False)
    except (ValueError, OSError, EOFError, pd.errors.ParserError) as err:
        raise DataError(f"'{folder / '20news-bydate.csv.gz'}' cannot be read ({err}); the "
                        f"file may be damaged, compare it with the README") from None
    return _text_dataset("20newsgroups", frame["text"], frame["label"], _NEWS, max_samples,
                         random_state)


_TREC = ("TREC question classification (Li & Roth 2002): 5,452 train + 500 test questions "
         "combined, 6 coarse classes (ABBR, DESC, ENTY, HUM, LOC, NUM).")


def _load_trec(folder: Path, max_samples: int | None, random_state: RandomLike) -> Dataset:
    texts, labels = [], []
    for file in ("train_5500.label", "TREC_10.label"):
        # latin-1: train_5500.label keeps one original non-UTF-8 byte.
        for number, line in enumerate(_lines(folder / file, "latin-1"), 1):
            if not line.strip():
                continue
            label, _, text = line.partition(" ")
            coarse, colon, _fine = label.partition(":")
            if not colon:
                raise DataError(f"line {number} of '{folder / file}' does not start with "
                                f"COARSE:fine; the file may be damaged")
            texts.append(text.strip())
            labels.append(coarse)
    return _text_dataset("trec", texts, labels, _TREC, max_samples, random_state)


_SST2 = ("GLUE SST-2 movie-review sentences: train 67,349 + dev 872 combined; 0 = negative, "
         "1 = positive.")


def _load_sst2(folder: Path, max_samples: int | None, random_state: RandomLike) -> Dataset:
    pairs = [*_tab_lines(folder / "train.tsv", skip_header=True),
             *_tab_lines(folder / "dev.tsv", skip_header=True)]
    try:
        labels = [int(label) for label, _ in pairs]
    except ValueError:
        raise DataError(f"a label in '{folder}' is not 0 or 1; the files may be damaged, "
                        f"compare them with the README") from None
    return _text_dataset("sst2", (t for _, t in pairs), labels, _SST2, max_samples,
                         random_state)


_MR = ("Movie Review polarity v1.0 (Pang & Lee 2005): 10,662 snippets; pos 5,331 / "
       "neg 5,331.")


def _load_mr(folder: Path, max_samples: int | None, random_state: RandomLike) -> Dataset:
    texts, labels = [], []
    for polarity in ("pos", "neg"):
        # latin-1 decodes any byte, so a stray non-ASCII byte cannot stop the load.
        lines = _lines(folder / f"rt-polarity.{polarity}", "latin-1")
        kept = [line.strip() for line in lines if line.strip()]
        texts += kept
        labels += [polarity] * len(kept)
    return _text_dataset("mr_polarity", texts, labels, _MR, max_samples, random_state)


def _text_spec(name: str, folder: str, files: tuple[str, ...], n_samples: int, n_classes: int,
               description: str, loader: Loader, default_max_samples: int | None = None,
               ) -> SharedSpec:
    return SharedSpec(name=name, folder=folder, files=files, kind="text",
                      task="classification", n_samples=n_samples, n_classes=n_classes,
                      description=description, loader=loader,
                      default_max_samples=default_max_samples)


SST2_DEFAULT_MAX_SAMPLES = 10_000

TEXT_SPECS: tuple[SharedSpec, ...] = (
    _text_spec("sms_spam", "sms_spam", ("SMSSpamCollection",), 5574, 2, _SMS, _load_sms),
    _text_spec("20newsgroups", "20newsgroups", ("20news-bydate.csv.gz",), 18846, 20, _NEWS,
               _load_news),
    _text_spec("trec", "trec", ("train_5500.label", "TREC_10.label"), 5952, 6, _TREC,
               _load_trec),
    _text_spec("sst2", "sst2", ("train.tsv", "dev.tsv"), SST2_DEFAULT_MAX_SAMPLES, 2,
               _SST2 + " Seeded stratified 10,000 by default (max_samples=68_221 for all).",
               _load_sst2, default_max_samples=SST2_DEFAULT_MAX_SAMPLES),
    _text_spec("mr_polarity", "mr_polarity", ("rt-polarity.pos", "rt-polarity.neg"), 10662, 2,
               _MR, _load_mr),
)
