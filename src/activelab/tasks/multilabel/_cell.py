"""Multi-label data by name, and one seed of a multi-label run as the bench's cell."""

from __future__ import annotations

from functools import lru_cache

from ...exceptions import ConfigError
from ...models.factory import check_model_name
from ..curves import TaskCurves
from ._data import MultiLabelDataset, load_multilabel_jsonl, newsgroups_multilabel
from ._learner import MULTILABEL_STRATEGIES, _simulate_seed

__all__ = ["load_multilabel", "run_multilabel_cell"]

NEWSGROUPS_HIERARCHY = ("20newsgroups-hierarchy", "shared:20newsgroups-hierarchy")


def load_multilabel(data: str, *, text_field: str | None = None,
                    labels_field: str | None = None) -> MultiLabelDataset:
    """``"20newsgroups-hierarchy"`` or a JSONL file of ``{"text": ..., "labels": [...]}`` lines.

    Raises
    ------
    ConfigError
        For anything else.
    """
    if data in NEWSGROUPS_HIERARCHY:
        return _newsgroups()
    if not data.endswith((".jsonl", ".json", ".jsonl.gz")):
        raise ConfigError("multi-label data is a JSONL file of {\"text\": ..., \"labels\": "
                          "[...]} lines or the dataset '20newsgroups-hierarchy'")
    return load_multilabel_jsonl(data, text_field=text_field or "text",
                                 labels_field=labels_field or "labels")


@lru_cache(maxsize=1)
def _newsgroups() -> MultiLabelDataset:
    return newsgroups_multilabel()  # read once per process: every cell of a bench shares it


def run_multilabel_cell(data: str, *, model: str | None, strategy: str, seed: int,
                        initial: int, batch: int, budget: int, test_size: float,
                        master_seed: int, target: str | None = None,
                        text_column: str | None = None) -> TaskCurves:
    """One seed of :func:`simulate_multilabel` on ``data`` (see :func:`load_multilabel`).

    ``text_column`` and ``target`` name a JSONL file's text and label-list fields.
    """
    model = model or "linearsvm"
    check_model_name(model)
    if strategy not in MULTILABEL_STRATEGIES:
        raise ConfigError(f"unknown multi-label strategy {strategy!r}; choose one of "
                          f"{', '.join(MULTILABEL_STRATEGIES)}")
    if initial < 1 or batch < 1 or budget < initial:
        raise ConfigError("need initial and batch >= 1 and budget >= initial")
    dataset = load_multilabel(data, text_field=text_column, labels_field=target)
    run = _simulate_seed(dataset, seed, model=model, strategy=strategy,
                         initial=initial, batch=batch, budget=budget, test_size=test_size,
                         master_seed=master_seed, full_model=True)
    return TaskCurves(n_labels=run.n_labels,
                      metrics={"micro_f1": run.micro_f1, "macro_f1": run.macro_f1,
                               "hamming_loss": run.hamming_loss},
                      lower_is_better={"hamming_loss"}, query_seconds=run.query_seconds,
                      fit_seconds=run.fit_seconds,
                      reference={"full_micro_f1": run.full_micro_f1}).check()
