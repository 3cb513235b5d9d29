"""The notebook labeller, driven through its widgets' Python objects (no notebook server)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits, make_regression
from sklearn.linear_model import LogisticRegression, Ridge

from activelab import ActiveLearner, ConfigError, DataError, Pool
from activelab.large_pool import StreamingScorer
from activelab.notebook import Answer, Labeller
from activelab.tasks.multilabel import MultiLabelLearner, MultiLabelPool
from activelab.tasks.regression import RegressionLearner, RegressionPool


@pytest.fixture
def digits() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_digits(return_X_y=True)
    return X[:120], y[:120]


def digit_learner(X: np.ndarray, **kwargs) -> ActiveLearner:
    return ActiveLearner(LogisticRegression(max_iter=300), Pool(X, classes=list(range(10))),
                         "margin", random_state=0, **kwargs)


def test_clicks_teach_the_learner_which_retrains_and_queries(digits) -> None:
    X, y = digits
    learner = digit_learner(X, eval_set=(X, y))
    labeller = Labeller(learner, items=X.reshape(-1, 8, 8))
    shown = []
    for _ in range(25):
        shown.append(labeller.current)
        labeller.buttons[int(y[labeller.current])].click()
    assert learner.pool.n_labeled == 25
    assert len(learner.history_) == 25
    assert learner.pool.labels_of(shown).tolist() == y[shown].tolist()
    assert [answer.index for answer in labeller.answers_] == shown
    # Random until two classes are labelled, then the strategy picks.
    assert learner.history_[0].strategy == "initial-random"
    assert learner.history_[-1].strategy == "margin"
    assert learner.model_ is not None
    assert "25 labelled" in labeller.progress.value
    assert "accuracy" in labeller.progress.value and "<svg" in labeller.progress.value
    assert "model guesses" in labeller.why.value
    assert labeller.item_box.children[0].format == "png"  # the 8x8 digit as an image


def test_each_class_has_its_key_and_a_digit_class_is_typed_as_the_digit(digits) -> None:
    X, y = digits
    labeller = Labeller(digit_learner(X), items=X.reshape(-1, 8, 8))
    first = labeller.current
    labeller.key_box.value = "7"
    assert labeller.learner.pool.labels_of([first]).tolist() == [7]
    assert labeller.key_box.value == ""
    assert labeller.buttons[7].description == "7"  # typed as itself
    labeller.key_box.value = "x"
    assert "no action for the key 'x'" in labeller.message.value


def test_named_classes_take_number_keys() -> None:
    X = np.arange(40.0).reshape(20, 2)
    learner = ActiveLearner(LogisticRegression(), Pool(X, classes=["cat", "dog"]),
                            random_state=0)
    labeller = Labeller(learner)
    first = labeller.current
    labeller.press("2")
    assert learner.pool.labels_of([first]).tolist() == ["dog"]
    assert labeller.buttons["cat"].description == "cat [1]"


def test_skip_and_undo(digits) -> None:
    X, y = digits
    learner = digit_learner(X)
    labeller = Labeller(learner, items=X.reshape(-1, 8, 8))
    skipped = labeller.current
    labeller.skip_button.click()
    assert learner.pool.ignored_indices.tolist() == [skipped]
    assert labeller.answers_ == [Answer(skipped, None)]
    labeller.undo_button.click()
    assert learner.pool.ignored_indices.tolist() == []
    assert labeller.current == skipped and labeller.answers_ == []
    labeller.buttons[int(y[skipped])].click()
    labeller.press("u")
    assert learner.pool.n_labeled == 0 and labeller.current == skipped
    assert labeller.undo_button.disabled
    labeller.undo()
    assert "nothing to undo" in labeller.message.value


def test_the_last_item_ends_the_session() -> None:
    X = np.arange(8.0).reshape(4, 2)
    learner = ActiveLearner(LogisticRegression(), Pool(X, classes=["a", "b"]), random_state=0)
    labeller = Labeller(learner, batch_size=2)
    for label in "abab":
        labeller.buttons[label].click()
    assert labeller.current is None
    assert all(button.disabled for button in labeller.buttons.values())
    assert labeller.skip_button.disabled
    assert "Every item is labelled" in labeller.item_box.children[0].value
    labeller.panel.buttons["a"].disabled = False
    labeller.buttons["a"].click()
    assert "every item is labelled or skipped" in labeller.message.value


def test_texts_tables_and_image_files_are_shown(tmp_path) -> None:
    X = np.arange(12.0).reshape(6, 2)
    texts = [f"<b>text</b> {i}" for i in range(6)]
    text_view = Labeller(ActiveLearner(LogisticRegression(), Pool(X, classes=[0, 1]),
                                       random_state=0), items=texts)
    assert "&lt;b&gt;text&lt;/b&gt;" in text_view.item_box.children[0].value

    frame = pd.DataFrame({"height": X[:, 0], "weight": X[:, 1]})
    table_view = Labeller(ActiveLearner(LogisticRegression(), Pool(X, classes=[0, 1]),
                                        random_state=0), items=frame)
    assert "<th>height</th>" in table_view.item_box.children[0].value

    images = []
    for i in range(6):
        path = tmp_path / f"item{i}.png"
        import matplotlib.image

        matplotlib.image.imsave(path, np.full((4, 4), float(i)))
        images.append(str(path))
    image_view = Labeller(ActiveLearner(LogisticRegression(), Pool(X, classes=[0, 1]),
                                        random_state=0), items=images)
    shown = image_view.item_box.children[0]
    assert shown.format == "png" and shown.value[:4] == b"\x89PNG"


def test_multilabel_toggles_and_submit() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0]).astype(int)
    learner = MultiLabelLearner(LogisticRegression(), MultiLabelPool(X, labels=["a", "b"]),
                                random_state=0)
    labeller = Labeller(learner)
    shown = []
    for _ in range(12):
        index = labeller.current
        shown.append(index)
        for label, on in zip("ab", Y[index], strict=True):
            labeller.toggles[label].value = bool(on)
        labeller.panel.submit_button.click()
    assert learner.pool.indicators_of(shown).tolist() == Y[shown].tolist()
    assert learner.model_ is not None and len(learner.history_) == 12
    index = labeller.current
    labeller.press("2")
    labeller.press("a")
    assert learner.pool.labels_of([index]) == [["b"]]
    labeller.press("u")
    assert learner.pool.n_labeled == 12 and labeller.current == index
    assert not any(t.value for t in labeller.panel.toggles.values())


def test_regression_takes_numbers_and_refuses_anything_else() -> None:
    X, y = make_regression(n_samples=30, n_features=3, random_state=0)
    learner = RegressionLearner(Ridge(), RegressionPool(X), random_state=0)
    labeller = Labeller(learner)
    field = labeller.panel.field
    first = labeller.current
    field.value = "heavy"
    assert "'heavy' is not a number" in labeller.message.value
    assert learner.pool.n_labeled == 0 and labeller.current == first
    field.value = "inf"
    assert "not a finite number" in labeller.message.value
    field.value = " 2.5 "  # Enter in the field sends it
    assert learner.pool.targets_of([first]).tolist() == [2.5]
    assert field.value == ""
    for _ in range(5):
        field.value = str(y[labeller.current])
    assert learner.model_ is not None and learner.pool.n_labeled == 6
    labeller.panel.field.value = ""
    labeller.panel.submit_button.click()
    assert "'' is not a number" in labeller.message.value
    skipped = labeller.current
    labeller.press("s")
    assert learner.pool.ignored_indices.tolist() == [skipped]
    assert labeller.current != skipped


def test_multilabel_skip_and_undo_of_a_skip() -> None:
    X = np.random.default_rng(1).normal(size=(10, 2))
    learner = MultiLabelLearner(LogisticRegression(), MultiLabelPool(X, labels=["a", "b"]),
                                random_state=0)
    labeller = Labeller(learner, batch_size=3)
    skipped = labeller.current
    labeller.skip_button.click()
    assert learner.pool.ignored_indices.tolist() == [skipped]
    labeller.press("u")
    assert learner.pool.ignored_indices.tolist() == [] and labeller.current == skipped


def test_a_query_error_is_shown_not_raised() -> None:
    X = np.arange(20.0).reshape(10, 2)
    # A scorer serves only the uncertainty strategies: querying "random" through it fails.
    learner = ActiveLearner(LogisticRegression(), Pool(X, classes=["a", "b"]), "random",
                            scorer=StreamingScorer(), random_state=0)
    labeller = Labeller(learner)
    labeller.buttons["a"].click()
    labeller.buttons["b"].click()
    assert learner.model_ is not None
    assert labeller.current is None
    assert "no next item: a scorer serves the uncertainty strategies" in labeller.message.value
    assert "No item to show" in labeller.item_box.children[0].value


def test_bad_set_ups_are_refused() -> None:
    X = np.arange(12.0).reshape(6, 2)
    with pytest.raises(ConfigError, match="declare them"):
        Labeller(ActiveLearner(LogisticRegression(), Pool(X), random_state=0))
    learner = ActiveLearner(LogisticRegression(), Pool(X, classes=["a", "b"]), random_state=0)
    with pytest.raises(ConfigError, match="needs an ActiveLearner"):
        Labeller(object())
    with pytest.raises(ConfigError, match="kind must be one of"):
        Labeller(learner, kind="video")
    with pytest.raises(ConfigError, match="batch_size must be a positive int"):
        Labeller(learner, batch_size=0)
    with pytest.raises(ConfigError, match="items has 2 entries but the pool 6"):
        Labeller(learner, items=["x", "y"])
    with pytest.raises(ConfigError, match="at least two classes"):
        Labeller(learner, classes=["a"])
    with pytest.raises(DataError, match=r"shape \(H, W\) or \(H, W, 3\|4\)"):
        Labeller(learner, items=np.zeros((6, 2, 2, 2)), kind="image")
    with pytest.raises(DataError, match="not an image file"):
        Labeller(learner, items=["notes.txt"] * 6, kind="image")


def test_missing_ipywidgets_names_the_extra() -> None:
    # sys.modules[name] = None makes Python's own import refuse the package.
    code = ("import sys; sys.modules['ipywidgets'] = None\n"
            "import numpy as np\n"
            "from sklearn.linear_model import LogisticRegression\n"
            "from activelab import ActiveLearner, MissingDependencyError, Pool\n"
            "from activelab.notebook import Labeller\n"
            "learner = ActiveLearner(LogisticRegression(), Pool(np.eye(4), classes=[0, 1]))\n"
            "try:\n    Labeller(learner)\n"
            "except MissingDependencyError as error:\n    print(error)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert "pip install 'activelab[notebook]'" in result.stdout
    assert "ipywidgets" in result.stdout
