"""``activelab simulate --task regression|multilabel``: load, simulate, summarise.

The CLI stays thin: it calls :func:`simulate_task` and prints the rows it returns.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..exceptions import ConfigError

__all__ = ["TASKS", "DEFAULTS", "simulate_task"]

TASKS = ("classification", "regression", "multilabel")

#: (model, strategy, metric, lower_is_better) when the user names none.
DEFAULTS: dict[str, tuple[str, str, str, bool]] = {
    "classification": ("logreg", "margin", "accuracy", False),
    "regression": ("ridge", "igs", "rmse", True),
    "multilabel": ("linearsvm", "adaptive", "micro_f1", False),
}


def _load_multilabel(data: str, text_column: str | None, target: str | None):  # noqa: ANN202
    from .multilabel import load_multilabel_jsonl, newsgroups_multilabel

    if data in ("20newsgroups-hierarchy", "shared:20newsgroups-hierarchy"):
        return newsgroups_multilabel()
    if not data.endswith((".jsonl", ".json", ".jsonl.gz")):
        raise ConfigError("--task multilabel takes a JSONL file of {\"text\": ..., \"labels\": "
                          "[...]} lines or the dataset '20newsgroups-hierarchy'")
    return load_multilabel_jsonl(data, text_field=text_column or "text",
                                 labels_field=target or "labels")


def simulate_task(task: str, data: str, *, target: str | None, text_column: str | None,
                  model: str | None, strategies: list[str], **loop: Any
                  ) -> tuple[list[Any], str, bool]:
    """Simulate every strategy of a regression or multi-label task on one dataset.

    Returns
    -------
    results : list of simulation results (``to_dict``, ``mean_aulc(metric)``, ``runs``)
    metric : str
        The curve summarised in the table.
    lower_is_better : bool
    """
    if task not in ("regression", "multilabel"):
        raise ConfigError(f"unknown task {task!r}; choose one of {', '.join(TASKS)}")
    default_model, _, metric, lower = DEFAULTS[task]
    if task == "regression":
        from ..data import load_dataset
        from .regression import (
            REGRESSION_STRATEGIES,
            REGRESSOR_NAMES,
            simulate_regression,
        )

        _check(model or default_model, REGRESSOR_NAMES, "regressor")
        for name in strategies:
            _check(name, REGRESSION_STRATEGIES, "regression strategy")
        dataset = load_dataset(data, target=target, text_column=text_column)
        if dataset.task != "regression" or not np.issubdtype(np.asarray(dataset.y).dtype,
                                                             np.number):
            raise ConfigError(f"{dataset.name} has a {dataset.task} target; --task regression "
                              "needs a numeric target")
        results = [simulate_regression(dataset, model=model or default_model, strategy=name,
                                       **loop) for name in strategies]
        return results, metric, lower
    from .multilabel import MULTILABEL_STRATEGIES, simulate_multilabel

    for name in strategies:
        _check(name, MULTILABEL_STRATEGIES, "multi-label strategy")
    dataset = _load_multilabel(data, text_column, target)
    loop.pop("initial_method", None)  # multi-label seed sets are random
    results = [simulate_multilabel(dataset, model=model or default_model, strategy=name, **loop)
               for name in strategies]
    return results, metric, lower


def _check(name: str, known: tuple[str, ...], what: str) -> None:
    if name not in known:
        raise ConfigError(f"unknown {what} {name!r}; choose one of {', '.join(known)}")
