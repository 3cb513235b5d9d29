"""Every task in the registry keeps the one Task contract.

One parametrised suite, as scikit-learn checks every estimator: each task names its
item, answer, metrics (the headline among them), a default strategy among its
strategies and a default model among its models; it simulates, runs as one bench
cell, accepts good answers and refuses bad ones with the library's error, and reads
back what it exports. A task added to the registry is run through all of it, and a
task missing from the tables below fails loudly.
"""

from __future__ import annotations

import inspect
import subprocess
import sys

import numpy as np
import pytest

from activelab.bench import make_config, run_benchmark
from activelab.data import find_data_dir
from activelab.exceptions import ConfigError, DataError, InvalidAnswerError, UnknownLabelError
from activelab.tasks.answers import AnswerSpace
from activelab.tasks.contract import ServerHooks, Task, TaskDefinition, describe
from activelab.tasks.curves import TaskCurves
from activelab.tasks.registry import TASKS, TaskRegistry, get_task, task_names, task_runner
from activelab.tasks.simulate import simulate_task
from model_zoo import write_topic_jsonl

EXPECTED = ["classification", "regression", "multilabel", "anomaly", "clustering", "matching",
            "weak-supervision", "cleaning", "imbalance", "detection"]
CELL_KEYWORDS = {"model", "strategy", "seed", "initial", "batch", "budget", "test_size",
                 "master_seed"}
TINY = {"initial": 10, "batch": 10, "budget": 30, "test_size": 0.25, "master_seed": 0}
SPACE = AnswerSpace(labels=("cat", "dog", "owl"))


def _anomaly_file(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "toy.npz"
    np.savez(path, X=np.vstack([rng.normal(size=(200, 3)), rng.normal(4, 1, size=(12, 3))]),
             y=np.r_[np.zeros(200, int), np.ones(12, int)])
    return str(path)


#: task -> data its cell runner accepts (None: needs ../shared/data).
CELL_DATA = {
    "classification": lambda tmp: "sklearn:iris",
    "regression": lambda tmp: "sklearn:diabetes",
    "multilabel": lambda tmp: str(write_topic_jsonl(tmp / "topics.jsonl")),
    "anomaly": _anomaly_file,
    "clustering": lambda tmp: "sklearn:iris",
    "matching": lambda tmp: "adult:200" if find_data_dir() else None,
    "weak-supervision": lambda tmp: "sms_spam" if find_data_dir() else None,
    "cleaning": lambda tmp: "sklearn:wine",
    "imbalance": lambda tmp: "sklearn:wine",
    "detection": lambda tmp: "cluttered-digits",
}

def _box(x, y, w, h, label):
    return {"x": x, "y": y, "w": w, "h": h, "label": label}


_CLASS = ({"dog": "dog", "wolf": None}, ["", None, 3, 1.5, ["cat"], True])
_PAIR = ({"same": "same", "Different ": "different", True: "same"}, ["maybe", 1, None, ""])
#: task -> ({good answer: its normalised form (None: not in SPACE)}, [bad answers]).
ANSWERS = {
    "classification": _CLASS,
    "regression": ({3.5: 3.5, "-2": -2.0, 7: 7.0, np.float32(0.5): 0.5},
                   [float("nan"), float("inf"), "tall", True, None, [1.0]]),
    "multilabel": ({("owl", "cat"): ["cat", "owl"], (): []},
                   ["cat", ["cat", "wolf"], [3.5], None, ["cat"] * 1001]),
    "anomaly": ({"anomaly": "anomaly", "normal": "normal", False: "normal"},
                ["odd", 0.5, None]),
    "clustering": _PAIR,
    "matching": _PAIR,
    "weak-supervision": _CLASS,
    "cleaning": ({"keep": {"action": "keep"},
                  ("relabel", "owl"): {"action": "relabel", "label": "owl"}},
                 ["drop", {"action": "relabel", "label": "wolf"}, {"action": "relabel"}, None]),
    "imbalance": _CLASS,
    "detection": ({("box", 0.1, 0.2, 0.3, 0.4, "owl"): [_box(0.1, 0.2, 0.3, 0.4, "owl")],
                   (): [], ("box", 0.5, 0.5, 0.5, 0.5, "wolf"): None},
                  ["cat", None, [_box(0.5, 0.5, 0.6, 0.1, "cat")], [_box(0.1, 0.1, 0, 0.1, "cat")],
                   [_box(0.1, 0.1, 0.1, -0.2, "cat")], [{"x": 0.1, "y": 0.1, "w": 0.1, "h": 0.1}],
                   [_box(float("nan"), 0.1, 0.1, 0.1, "cat")]]),
}


def _raw(good):
    """Tuples in ANSWERS stand for lists (multi-label), relabel actions (cleaning) or one
    box (detection)."""
    if isinstance(good, tuple) and good[:1] == ("relabel",):
        return {"action": "relabel", "label": good[1]}
    if isinstance(good, tuple) and good[:1] == ("box",):
        return [_box(*good[1:])]
    return list(good) if isinstance(good, tuple) else good


def test_the_registry_holds_every_task_in_order_and_the_tables_cover_them():
    assert list(TASKS) == EXPECTED
    assert set(CELL_DATA) == set(ANSWERS) == set(TASKS)


@pytest.mark.parametrize("name", EXPECTED)
def test_every_task_declares_what_it_is(name):
    task = get_task(name)
    assert isinstance(task, Task) and task.name == name and task.item and task.answer
    assert task.headline in task.metrics
    strategies, models = task.strategies(), task.models()
    assert strategies and all(isinstance(s, str) for s in strategies)
    assert models and all(isinstance(m, str) for m in models)
    assert task.default_strategy in strategies
    assert task.default_model is None or task.default_model in models
    assert task_names(name, "STRATEGIES") == strategies and task_names(name, "MODELS") == models
    learner = task.learner()
    assert learner is None or (inspect.isclass(learner) and callable(learner.query)
                               and callable(learner.teach))
    simulator = task.simulator()
    assert simulator is None or callable(simulator)
    runner = task.cell_runner()
    assert runner is task_runner(name)
    assert CELL_KEYWORDS <= set(inspect.signature(runner).parameters)
    assert set(task.export_formats) >= {"csv", "jsonl"}
    assert task.item_columns in (("item",), ("left", "right"))
    assert [field for field, _ in describe(task)] == [
        "item", "answer", "strategies", "models", "headline", "metrics", "learner", "exports",
        "server"]


def _cell_data(name, tmp_path):
    data = CELL_DATA[name](tmp_path)
    if data is None:
        pytest.skip("this task's data lives in ../shared/data, which is absent")
    return data


@pytest.mark.parametrize("name", EXPECTED)
def test_every_task_simulates_and_records_each_declared_metric(name, tmp_path):
    data, task = _cell_data(name, tmp_path), get_task(name)
    results, metric, lower = simulate_task(name, data, target=None, text_column=None, model=None,
                                           strategies=[task.default_strategy], seeds=1, **TINY)
    (result,) = results
    (run,) = result.runs
    curves = run.curves
    assert isinstance(curves, TaskCurves)
    assert (metric, lower) == (task.headline, task.lower_is_better)
    assert set(curves.metrics) == set(task.metrics)
    assert len(curves.metrics[task.headline]) == len(curves.n_labels) >= 2
    assert (task.headline in curves.lower_is_better) == task.lower_is_better


@pytest.mark.parametrize("name", EXPECTED)
def test_every_task_benches_one_cell(name, tmp_path):
    data, task = _cell_data(name, tmp_path), get_task(name)
    config = make_config(task=name, datasets=[data], strategies=[task.default_strategy],
                         baseline=task.default_strategy, seeds=1, initial=[10], batch=[10],
                         budget=30)
    outcome = run_benchmark(config, tmp_path / "out", progress=False)
    assert outcome.n_run == 1 and outcome.failures.empty
    values = outcome.table[outcome.table["metric"] == task.headline]["value"]
    assert len(values) >= 2 and np.isfinite(values).all()


@pytest.mark.parametrize("name", EXPECTED)
def test_every_task_accepts_good_answers_and_refuses_bad_ones(name):
    task = get_task(name)
    good, bad = ANSWERS[name]
    for raw, normalised in good.items():
        if normalised is None:
            with pytest.raises(UnknownLabelError, match="unknown label"):
                task.validate_answer(_raw(raw), SPACE)
        else:
            assert task.validate_answer(_raw(raw), SPACE) == normalised
    for raw in bad:
        with pytest.raises(InvalidAnswerError):
            task.validate_answer(raw, SPACE)


@pytest.mark.parametrize("format", ["csv", "jsonl"])
@pytest.mark.parametrize("name", EXPECTED)
def test_every_task_reads_back_what_it_exports(name, format):
    task = get_task(name)
    answers = [value for value in ANSWERS[name][0].values() if value is not None]
    pairs = len(task.item_columns) == 2
    items = [(f"a{i}", f"=b{i}") if pairs else f"=item{i}" for i in range(len(answers))]
    text = task.export_answers(items, answers, format, SPACE)
    assert task.import_answers(text, format, SPACE) == (items, answers)
    if format == "csv":  # a spreadsheet must not run an item id as a formula
        assert "'=" in text and "\n=" not in text and ",=" not in text


def test_an_export_refuses_bad_input_with_a_clear_error():
    task = get_task("regression")
    with pytest.raises(ConfigError, match="unknown export format 'xlsx'; choose one of csv"):
        task.export_answers(["a"], [1.0], "xlsx")
    with pytest.raises(DataError, match="2 items but 1 answers"):
        task.export_answers(["a", "b"], [1.0], "csv")
    with pytest.raises(InvalidAnswerError, match="finite number"):
        task.export_answers(["a"], [float("nan")], "jsonl")
    with pytest.raises(InvalidAnswerError, match="outside the accepted range"):
        task.export_answers(["a"], [5.0], "csv", AnswerSpace(low=0.0, high=1.0))
    with pytest.raises(DataError, match="is a pair"):
        get_task("matching").export_answers(["a"], ["same"], "csv")


def test_an_import_names_the_line_of_a_bad_answer_or_record():
    task = get_task("anomaly")
    with pytest.raises(InvalidAnswerError, match="line 3: an anomaly answer is"):
        task.import_answers("item,answer\na,normal\nb,weird\n", "csv")
    with pytest.raises(DataError, match="line 2 is not JSON"):
        task.import_answers('{"item": "a", "answer": "normal"}\n{oops\n', "jsonl")
    with pytest.raises(DataError, match="line 1: missing answer"):
        task.import_answers('{"item": "a"}\n', "jsonl")


def test_the_tasks_the_server_runs_build_features_train_and_guess():
    served = [name for name in EXPECTED if get_task(name).server() is not None]
    assert served == ["classification", "regression", "anomaly", "matching", "cleaning"]
    hooks = get_task("classification").server()
    assert isinstance(hooks, ServerHooks)
    texts = ["good fun film", "great good plot", "bad dull film", "awful bad plot"] * 3
    X = hooks.build_features("text", iter(texts), "auto")
    assert X.shape[0] == len(texts) and hooks.model_kind("text", "auto") == "sparse"
    learner = hooks.train(X, np.arange(4), ["pos", "pos", "neg", "neg"], labels=["neg", "pos"],
                          model="logreg", kind="sparse", strategy="margin", random_state=0)
    guesses, confidence = hooks.describe_guess(learner.model_.predict_proba(X[4:]), ["neg", "pos"])
    assert guesses == ["pos", "pos", "neg", "neg"] * 2
    assert ((confidence >= 0.5) & (confidence <= 1)).all()
    table = hooks.build_features("tabular", [{"a": 1.0, "b": None}, {"a": 3.0, "b": 2.0}], "auto")
    assert table.tolist() == [[1.0, 2.0], [3.0, 2.0]]  # a missing value: the column mean
    with pytest.raises(ConfigError, match="unknown data kind 'audio'"):
        hooks.build_features("audio", [], "auto")


def test_regression_server_hooks_train_on_numbers_and_guess_with_an_interval():
    from sklearn.datasets import load_diabetes

    hooks = get_task("regression").server()
    assert isinstance(hooks, ServerHooks) and hooks.model_kind("tabular", "auto") == "tabular"
    X_all, y = load_diabetes(return_X_y=True)
    rows = [{f"x{j}": float(v) for j, v in enumerate(row)} for row in X_all[:60]]
    X = hooks.build_features("tabular", rows, "auto")
    for model in ("ridge", "bayesridge"):  # a bagged committee's spread; the model's own std
        learner = hooks.train(X, np.arange(30), y[:30].tolist(), labels=(), model=model,
                              kind="tabular", strategy="igs", random_state=0)
        guesses, std = hooks.describe_guess(learner, X[30:], 0)
        assert len(guesses) == 30 and (std > 0).all()
        for guess, spread in zip(guesses, std.tolist(), strict=True):
            low, high = guess["interval"]
            assert low < guess["guess"] < high and guess["std"] == spread
            assert high - low == pytest.approx(2 * 1.959963984540054 * spread)
    again, _ = hooks.describe_guess(learner, X[30:], 0)
    assert again == guesses  # seeded: the same interval every time
    with pytest.raises(ConfigError, match="unknown regressor 'logreg'"):
        hooks.train(X, np.arange(4), [1.0, 2.0, 3.0, 4.0], model="logreg", strategy="igs")
    with pytest.raises(DataError, match="NaN or infinite"):
        hooks.train(X, np.arange(2), [1.0, float("nan")], model="ridge", strategy="igs")


def test_anomaly_server_hooks_rank_before_any_answer_and_name_the_unusual_features():
    hooks = get_task("anomaly").server()
    assert isinstance(hooks, ServerHooks) and hooks.model_kind("tabular", "auto") == "tabular"
    rng = np.random.default_rng(0)
    rows = [{"amount": float(a), "hour": float(h)}
            for a, h in zip(rng.normal(50, 5, 200), rng.normal(12, 2, 200), strict=True)]
    rows.append({"amount": 50.0, "hour": 40.0})  # an ordinary amount at an impossible hour
    X = hooks.build_features("tabular", rows, "auto")
    learner = hooks.train(X, np.array([], dtype=np.intp), [], labels=("anomaly", "normal"),
                          model="logreg", kind="tabular", strategy="most-anomalous",
                          random_state=0)
    guesses, suspicion = hooks.describe_guess(learner, np.arange(201), ["amount", "hour"])
    assert int(np.argmax(suspicion)) == 200 and guesses[200]["guess"] == "anomaly"
    assert guesses[200]["unusual"][0]["feature"] == "hour"
    assert guesses[200]["unusual"][0]["deviation"] > 10
    taught = hooks.train(X, np.array([200, 0, 1]), ["anomaly", "normal", "normal"],
                         model="logreg", strategy="threshold-uncertainty", random_state=0)
    assert taught.pool.n_labeled == 3 and taught.model_.n_labels_ == (2, 1)
    again, _ = hooks.describe_guess(taught, np.arange(201), ["amount", "hour"])
    assert again == hooks.describe_guess(taught, np.arange(201), ["amount", "hour"])[0]


def test_an_unknown_task_is_a_clear_error_naming_the_known_ones():
    with pytest.raises(ConfigError, match="unknown task 'astrology'; choose one of "
                                          "classification, regression"):
        get_task("astrology")
    with pytest.raises(ConfigError, match="unknown task"):
        task_runner("astrology")
    with pytest.raises(ValueError, match="kind"):
        task_names("regression", "METRICS")


def test_a_task_whose_module_is_missing_is_reported_as_unavailable():
    ghost = TaskRegistry({"ghost": "activelab.tasks.ghost"})
    assert list(ghost) == ["ghost"]  # listing imports nothing
    with pytest.raises(ConfigError, match="the ghost task is not available"):
        ghost["ghost"]


def test_a_headline_outside_the_metrics_is_refused():
    task = get_task("regression")
    assert isinstance(task, TaskDefinition)
    with pytest.raises(ConfigError, match="headline 'mse' is not among its metrics"):
        TaskDefinition(**{**task.__dict__, "headline": "mse"})


def test_importing_the_registry_loads_no_task():
    code = ("import sys, activelab.tasks.registry as r; list(r.TASKS); "
            "print(sorted(m for m in sys.modules if m.startswith('activelab.tasks.')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(["activelab.tasks.answers", "activelab.tasks.contract",
                                       "activelab.tasks.curves", "activelab.tasks.registry"])


def test_the_cli_lists_every_task_with_its_answer_defaults_and_headline():
    done = subprocess.run([sys.executable, "-m", "activelab.cli", "tasks"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line for line in lines if not line.startswith(" ")] == EXPECTED
    block = lines[lines.index("regression") + 1: lines.index("multilabel")]
    assert block == [
        "  item        one row of features",
        "  answer      a finite number, optionally within a range",
        "  strategies  random, committee, std, gsx, gsy, igs (default igs)",
        "  models      ridge, bayesridge, rf, gp, knn (default ridge)",
        "  headline    rmse (lower is better)",
        "  metrics     rmse, mae, r2",
        "  learner     RegressionLearner",
        "  exports     csv, jsonl",
        "  server      yes",
    ]
    assert "  headline    ari" in lines and "  learner     none (no query / teach loop)" in lines


def test_matching_server_hooks_compare_stored_pairs_and_guess_a_match_probability():
    hooks = get_task("matching").server()
    assert isinstance(hooks, ServerHooks) and hooks.model_kind("pair", "auto") == "tabular"
    names = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra"] * 3

    def pair(a: str, b: str, born_a: float, born_b: float) -> dict:
        return {"left": {"id": a, "fields": {"name": a, "born": born_a}},
                "right": {"id": b, "fields": {"name": b, "born": born_b}},
                "kinds": {"name": "string", "born": "numeric"}}

    pairs = [pair(n, n.lower(), 1900 + i, 1900 + i) for i, n in enumerate(names)] + \
        [pair(n, names[(i + 1) % 4], 1900 + i, 1950) for i, n in enumerate(names)]
    X = hooks.build_features("pair", pairs, "auto")
    assert X.shape == (24, 8) and ((X >= 0) & (X <= 1)).all()
    answers = ["same"] * 12 + ["different"] * 12
    learner = hooks.train(X, np.arange(0, 24, 2), answers[::2], labels=["same", "different"],
                          model="logreg", kind="tabular", strategy="margin", random_state=0)
    proba = learner.model_.predict_proba(X[1::2])
    guesses, confidence = hooks.describe_guess(proba, ["same", "different"])
    assert [g["guess"] for g in guesses] == answers[1::2]
    assert all(g["match_probability"] == pytest.approx(p) for g, p in
               zip(guesses, proba[:, 0].tolist(), strict=True))
    assert (confidence >= 0.5).all()
    with pytest.raises(ConfigError, match="compares pairs of records, not 'text'"):
        hooks.build_features("text", pairs, "auto")
    with pytest.raises(DataError, match="no candidate pairs"):
        hooks.build_features("pair", [], "auto")


def test_cleaning_server_hooks_rank_the_wrong_labels_first():
    from sklearn.datasets import load_wine

    hooks = get_task("cleaning").server()
    assert isinstance(hooks, ServerHooks) and hooks.model_kind("tabular", "auto") == "tabular"
    X_all, y = load_wine(return_X_y=True)
    X = hooks.build_features("tabular", [{f"f{j}": float(v) for j, v in enumerate(row)}
                                         for row in X_all], "auto")
    given = np.array([f"c{v}" for v in y])
    wrong = np.arange(0, 178, 20)
    given[wrong] = [f"c{(v + 1) % 3}" for v in y[wrong]]
    review = hooks.train(X, np.arange(178), given.tolist(), labels=(), model="logreg",
                         kind="tabular", strategy="normalized_margin", random_state=0)
    first = set(np.argsort(-review.priority)[:len(wrong)].tolist())
    assert len(first & set(wrong.tolist())) >= len(wrong) - 1
    guesses, confidence = hooks.describe_guess(review, wrong)
    assert [g["given"] for g in guesses] == given[wrong].tolist()
    assert [g["guess"] for g in guesses if g["flagged"]] == \
        [f"c{v}" for v, g in zip(y[wrong], guesses, strict=True) if g["flagged"]]
    assert ((confidence > 0) & (confidence <= 1)).all()
    with pytest.raises(ConfigError, match="unknown cleaning strategy 'margin'"):
        hooks.train(X, np.arange(178), given.tolist(), model="logreg", strategy="margin")
