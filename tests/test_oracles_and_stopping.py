"""Oracles (simulated, terminal) and stopping criteria."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn.datasets import load_digits, load_iris
from sklearn.linear_model import LogisticRegression

from activelab import (
    ActiveLearner,
    ConfigError,
    LabelBudget,
    MaxUncertainty,
    OracleStopped,
    Pool,
    SimulatedOracle,
    StabilizingPredictions,
    TerminalOracle,
)


def test_simulated_oracle_answers_truth_and_flips_at_the_noise_rate():
    y = np.repeat(["a", "b", "c"], 1000)
    assert SimulatedOracle(y).label(None, [0, 1500, 2999]) == ["a", "b", "c"]
    noisy = SimulatedOracle(y, noise_rate=0.2, random_state=0)
    answers = noisy.label(None, np.arange(3000))
    wrong = np.mean(np.asarray(answers) != y)
    assert 0.17 < wrong < 0.23 and noisy.n_flipped_ == int(round(wrong * 3000))
    again = SimulatedOracle(y, noise_rate=0.2, random_state=0).label(None, np.arange(3000))
    assert answers == again
    with pytest.raises(ConfigError):
        SimulatedOracle(y, noise_rate=1.0)


def scripted(answers):
    feed = iter(answers)
    shown: list[str] = []
    def print_fn(*args):
        shown.append(" ".join(map(str, args)))

    return (lambda prompt: next(feed)), print_fn, shown


def test_terminal_oracle_reads_names_numbers_skip_and_retries():
    pool = Pool(["first text", "second text", "third text"])
    input_fn, print_fn, shown = scripted(["ham", "2", "nonsense", "s"])
    oracle = TerminalOracle(["ham", "spam"], input_fn=input_fn, print_fn=print_fn)
    assert oracle.label(pool, [0, 1, 2]) == ["ham", "spam", None]
    assert any("second text" in line for line in shown)
    assert any("'nonsense' is not one of the classes" in line for line in shown)


def test_terminal_oracle_quit_keeps_earlier_answers_and_the_learner_keeps_them():
    X, y = load_iris(return_X_y=True)
    pool = Pool(X)
    input_fn, print_fn, _ = scripted(["0", "1", "2", "0", "q"])
    oracle = TerminalOracle([0, 1, 2], input_fn=input_fn, print_fn=print_fn)
    with pytest.raises(OracleStopped) as stop:
        oracle.label(pool, [0, 50, 100, 1, 2])
    assert stop.value.labels == [0, 1, 2, 0]
    input_fn, print_fn, _ = scripted(["1", "2", "3", "q"])
    oracle = TerminalOracle([0, 1, 2], input_fn=input_fn, print_fn=print_fn)
    learner = ActiveLearner(LogisticRegression(), pool, random_state=0)
    learner.run(oracle, initial=5)
    assert learner.stop_reason_.startswith("oracle stopped")
    assert learner.pool.n_labeled == 3


def test_terminal_oracle_from_a_real_keyboard_stream(tmp_path):
    """The oracle driven through a real process's stdin, as a person would type."""
    script = tmp_path / "ask.py"
    script.write_text(textwrap.dedent("""
        from activelab import Pool, TerminalOracle, OracleStopped
        pool = Pool(["buy cheap pills", "lunch at noon?", "win money now"])
        try:
            print("ANSWERS", TerminalOracle(["ham", "spam"]).label(pool, [0, 1, 2]))
        except OracleStopped as stop:
            print("STOPPED", stop.labels)
    """))
    done = subprocess.run([sys.executable, str(script)], input="spam\nham\nq\n",
                          capture_output=True, text=True, timeout=60)
    assert "buy cheap pills" in done.stdout
    assert "STOPPED ['spam', 'ham']" in done.stdout
    done = subprocess.run([sys.executable, str(script)], input="2\n1\n", capture_output=True,
                          text=True, timeout=60)
    assert "STOPPED ['spam', 'ham']" in done.stdout  # end of input stops cleanly too


def test_label_budget():
    X, y = load_iris(return_X_y=True)
    learner = ActiveLearner(LogisticRegression(), Pool(X), random_state=0)
    learner.run(SimulatedOracle(y), batch_size=5, initial=10, stopping=[LabelBudget(30)])
    assert learner.pool.n_labeled == 30
    with pytest.raises(ConfigError):
        LabelBudget(0)


def test_stabilizing_predictions_stops_before_the_budget_on_an_easy_task():
    X, y = load_digits(return_X_y=True)
    criterion = StabilizingPredictions(threshold=0.98, window=3, random_state=0)
    learner = ActiveLearner(LogisticRegression(max_iter=2000), Pool(X / 16), random_state=0)
    learner.run(SimulatedOracle(y), batch_size=20, initial=30, initial_method="kmeans",
                stopping=[criterion, LabelBudget(1500)])
    assert learner.stop_reason_.startswith("predictions stabilised")
    assert learner.pool.n_labeled < 1500
    assert len(criterion.kappas_) >= 3 and np.mean(criterion.kappas_[-3:]) >= 0.98
    assert learner.score(X / 16, y) > 0.9


def test_max_uncertainty_stops_when_the_model_is_sure():
    X, y = load_iris(return_X_y=True)
    criterion = MaxUncertainty(threshold=0.45)
    learner = ActiveLearner(LogisticRegression(C=100, max_iter=5000), Pool(X), random_state=0)
    learner.run(SimulatedOracle(y), batch_size=5, initial=6, initial_method="kmeans",
                stopping=[criterion, LabelBudget(150)])
    assert learner.stop_reason_.startswith("max uncertainty")
    assert criterion.max_uncertainty_ < 0.45
