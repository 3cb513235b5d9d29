"""The `activelab simulate` contract, run as a user runs it: a real subprocess."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from model_zoo import write_topic_jsonl


def activelab(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "activelab.cli", *args], capture_output=True,
                          text=True, timeout=300, cwd=cwd)


def test_simulate_digits_writes_curves_table_and_plot(tmp_path):
    out, plot = tmp_path / "result.json", tmp_path / "curve.png"
    done = activelab("simulate", "sklearn:digits", "--model", "logreg", "--strategy", "margin",
                     "--initial", "20", "--batch", "20", "--budget", "100", "--seeds", "2",
                     "--test-size", "0.25", "--compare", "random",
                     "--out", str(out), "--plot", str(plot))
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())
    assert result["strategy"] == "margin" and result["model"] == "logreg"
    assert [run["seed"] for run in result["runs"]] == [0, 1]
    for run in result["runs"]:
        assert run["n_labels"] == [20, 40, 60, 80, 100]
        assert len(run["accuracy"]) == 5 and all(0 < a <= 1 for a in run["accuracy"])
    random_runs = result["comparisons"]["random"]["runs"]
    # Same seed, same split and seed set: the first point (seed set only) is identical.
    assert [r["accuracy"][0] for r in random_runs] == [r["accuracy"][0] for r in result["runs"]]
    assert "AULC" in done.stdout and "labels vs random" in done.stdout
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_simulate_without_a_strategy_runs_the_default_configuration(tmp_path):
    out = tmp_path / "result.json"
    done = activelab("simulate", "sklearn:wine", "--initial", "10", "--batch", "10",
                     "--budget", "30", "--seeds", "1", "--compare", "margin", "--out", str(out))
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())
    assert result["strategy"] == "default" and result["model"] == "logreg"
    margin = result["comparisons"]["margin"]
    assert 0 < result["summary"]["aulc_mean"] <= 1 and 0 < margin["summary"]["aulc_mean"] <= 1
    # The same split and seed set; the comparison runs the plain model, as a peer would.
    assert margin["runs"][0]["n_labels"] == result["runs"][0]["n_labels"] == [10, 20, 30]


def test_simulate_a_csv_text_file(tmp_path):
    rng = np.random.default_rng(0)
    words = {"spam": "win cash prize free offer now", "ham": "lunch meeting see you later"}
    labels = rng.choice(["spam", "ham"], size=120)
    texts = [" ".join(rng.choice(words[label].split(), size=5)) for label in labels]
    path = tmp_path / "sms.csv"
    pd.DataFrame({"message": texts, "label": labels}).to_csv(path, index=False)
    out = tmp_path / "r.json"
    done = activelab("simulate", str(path), "--target", "label", "--text-column", "message",
                     "--model", "nb", "--strategy", "entropy", "--initial", "10", "--batch",
                     "10", "--budget", "40", "--seeds", "1", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text())["runs"][0]["n_labels"] == [10, 20, 30, 40]


@pytest.mark.parametrize(("args", "message"), [
    (["--strategy", "psychic"], "unknown strategy 'psychic'"),
    (["--model", "oracle9000"], "unknown model 'oracle9000'"),
])
def test_unknown_names_give_one_line_errors(tmp_path, args, message):
    done = activelab("simulate", "sklearn:iris", *args, "--out", str(tmp_path / "r.json"))
    assert done.returncode == 1
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) <= 2


def test_missing_target_and_nan_features_give_one_line_errors(tmp_path):
    path = tmp_path / "data.csv"
    pd.DataFrame({"a": [1.0, 2.0, np.nan, 4.0] * 5, "y": ["u", "v"] * 10}).to_csv(path,
                                                                                 index=False)
    done = activelab("simulate", str(path), "--target", "label", "--out", str(tmp_path / "r"))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "label" in done.stderr
    done = activelab("simulate", str(path), "--target", "y", "--out", str(tmp_path / "r"))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "missing in 5 rows" in done.stderr and "'a'" in done.stderr


def test_single_class_target_and_missing_file(tmp_path):
    path = tmp_path / "one.csv"
    pd.DataFrame({"a": np.arange(30.0), "y": ["only"] * 30}).to_csv(path, index=False)
    done = activelab("simulate", str(path), "--target", "y", "--out", str(tmp_path / "r"))
    assert done.returncode == 1 and "single class" in done.stderr
    done = activelab("simulate", str(tmp_path / "nope.csv"), "--target", "y")
    assert done.returncode == 1 and "Traceback" not in done.stderr


def test_usage_errors_exit_non_zero_without_traceback():
    done = activelab("simulate")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    done = activelab("strategies")
    assert done.returncode == 0 and "margin" in done.stdout.split()


def test_simulate_regression_task_on_a_csv(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    frame["price"] = 3 * X[:, 0] - X[:, 1] + rng.normal(scale=0.1, size=200)
    path = tmp_path / "houses.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "reg.json"
    done = activelab("simulate", str(path), "--target", "price", "--task", "regression",
                     "--strategy", "igs", "--compare", "random", "--initial", "10", "--batch",
                     "10", "--budget", "40", "--seeds", "2", "--out", str(out))
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())
    assert result["task"] == "regression" and result["strategy"] == "igs"
    assert result["runs"][0]["n_labels"] == [10, 20, 30, 40]
    assert result["summary"]["lower_is_better"] is True
    assert "random" in result["comparisons"] and "AULC of rmse" in done.stdout


def test_simulate_multilabel_task_on_jsonl(tmp_path):
    path = write_topic_jsonl(tmp_path / "docs.jsonl", seed=1)
    out = tmp_path / "ml.json"
    done = activelab("simulate", str(path), "--task", "multilabel", "--initial", "10",
                     "--batch", "10", "--budget", "30", "--seeds", "1", "--out", str(out))
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())
    assert result["task"] == "multilabel" and result["strategy"] == "adaptive"
    assert result["runs"][0]["n_labels"] == [10, 20, 30]
    assert 0 <= result["summary"]["final"] <= 1


def test_task_errors_are_one_line(tmp_path):
    done = activelab("simulate", "sklearn:iris", "--task", "astrology")
    assert done.returncode == 1 and "unknown task 'astrology'" in done.stderr
    done = activelab("simulate", "sklearn:iris", "--task", "regression", "--out",
                     str(tmp_path / "r.json"))
    assert done.returncode == 1 and "numeric target" in done.stderr
    assert "Traceback" not in done.stderr


def test_features_option_errors_are_one_line(tmp_path):
    done = activelab("simulate", "sms_spam", "--features", "word2vec", "--out",
                     str(tmp_path / "r.json"))
    assert done.returncode == 1 and "unknown features 'word2vec'" in done.stderr
    done = activelab("simulate", "sklearn:diabetes", "--task", "regression", "--features",
                     "minilm", "--out", str(tmp_path / "r.json"))
    assert done.returncode == 1 and "--features applies to --task classification" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_csv_text_column_is_guessed_and_hints_name_the_cli_options(tmp_path):
    rng = np.random.default_rng(0)
    words = {"spam": "win cash prize free offer now", "ham": "lunch meeting see you later"}
    labels = rng.choice(["spam", "ham"], size=150)
    texts = [" ".join(rng.choice(words[label].split(), size=6)) for label in labels]
    path = tmp_path / "sms.csv"
    pd.DataFrame({"id": [f"m{i}" for i in range(150)], "text": texts,
                  "label": labels}).to_csv(path, index=False)
    out = tmp_path / "r.json"
    done = activelab("simulate", str(path), "--target", "label", "--model", "nb",
                     "--initial", "10", "--batch", "10", "--budget", "30", "--seeds", "1",
                     "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert ("Text column 'text' guessed (the longest free-text column); pass --text-column "
            "to choose another.") in done.stdout
    assert json.loads(out.read_text())["runs"][0]["accuracy"][-1] > 0.9
    # Ids alone are no text: the error names the flag to type, not the Python keyword.
    ids = tmp_path / "ids.csv"
    pd.DataFrame({"id": [f"m{i}" for i in range(150)], "x": rng.normal(size=150),
                  "label": labels}).to_csv(ids, index=False)
    done = activelab("simulate", str(ids), "--target", "label", "--out", str(out))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "pass --text-column id if it holds the text" in " ".join(done.stderr.split())
    assert "text_column=" not in done.stderr
    done = activelab("simulate", "sklearn:iris", "--target", "species", "--out", str(out))
    assert done.returncode == 1
    assert "leave out --target and --text-column" in " ".join(done.stderr.split())


@pytest.mark.parametrize("command", ["simulate", "serve", "bench", "import", "datasets"])
def test_help_piped_is_wrapped_not_cut(command):
    """Piped help wraps long option names and texts instead of cutting them with '…'."""
    from typer.main import get_command

    from activelab.cli import app

    done = activelab(command, "--help")
    assert done.returncode == 0 and "…" not in done.stdout
    words = set(done.stdout.split())
    click_command = get_command(app).commands[command]
    for param in click_command.params:
        for name in [*param.opts, *param.secondary_opts]:
            if name.startswith("-"):
                assert name in words, f"{name} is missing from `activelab {command} --help`"
    # Every help text is there in full (the wrap may break a line after a hyphen).
    text = " ".join(re.sub(r"-\n +", "-", done.stdout).split())
    for param in click_command.params:
        if getattr(param, "help", None):
            assert " ".join(param.help.split()) in text, param.help


def test_command_list_piped_is_not_cut():
    from typer.main import get_command

    from activelab.cli import app

    done = activelab("--help")
    assert done.returncode == 0 and "…" not in done.stdout
    for name, command in get_command(app).commands.items():
        summary = command.short_help or command.help.strip().splitlines()[0]
        assert re.search(rf"^  {name} +{re.escape(summary)}$", done.stdout, re.M), name


def test_server_hints_name_the_program_as_it_was_run(monkeypatch):
    from pathlib import Path

    from activelab.cli import _program

    monkeypatch.setattr(sys, "argv", ["/usr/local/bin/activelab", "serve", "--demo"])
    assert _program("serve") == "activelab serve"
    monkeypatch.setattr(sys, "argv", ["/src/activelab/cli.py", "serve", "--demo"])
    assert _program("serve") == f"{Path(sys.executable).name} -m activelab.cli serve"
