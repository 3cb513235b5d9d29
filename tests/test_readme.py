"""The README's Python quickstart runs verbatim, and its set-up commands exist."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README, flags=re.S)


def test_quickstart_runs_verbatim_and_learns():
    quickstart = python_blocks()[0]
    assert len(quickstart.strip().splitlines()) <= 10
    namespace: dict = {}
    exec(compile(quickstart, "README quickstart", "exec"), namespace)
    learner = namespace["learner"]
    assert learner.stop_reason_ == "label budget of 200 reached"
    assert learner.score(namespace["X_test"], namespace["y_test"]) > 0.9


def test_every_python_block_runs():
    for block in python_blocks()[1:]:
        exec(compile(block, "README block", "exec"), {})


def test_setup_commands_are_make_targets_and_ci_runs_the_test_one():
    assert "make demo" in README and "make test" in README
    targets = subprocess.run(["make", "-pRrq", "-C", str(ROOT)], capture_output=True,
                             text=True).stdout
    assert re.search(r"^demo:", targets, flags=re.M) and re.search(r"^test:", targets, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text()


# Pages whose examples are self-contained (others show commands that need big files).
RUNNABLE_DOCS = ["strategies.md"]


def test_python_blocks_in_docs_run():
    for page in [ROOT / "docs" / name for name in RUNNABLE_DOCS]:
        for block in re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S):
            exec(compile(block, str(page), "exec"), {})


def table_names(text: str, heading: str) -> list[str]:
    """The first-column names of the table whose header row starts with ``| heading |``."""
    table = re.search(rf"^\| {heading} \|.*?\n((?:\|.*\n)+)", text, flags=re.M).group(1)
    return re.findall(r"^\| `([^`]+)` \|", table, flags=re.M)


def test_every_strategy_and_model_the_library_reports_is_documented():
    from activelab.models.factory import MODEL_NAMES
    from activelab.strategies import available_strategies

    strategies = available_strategies()
    assert sorted(table_names(README, "strategy")) == strategies  # one line each, no extra
    docs = (ROOT / "docs" / "strategies.md").read_text()
    assert sorted(table_names(docs, "name")) == strategies
    assert table_names(README, "model") == list(MODEL_NAMES)
    choices = re.search(r"--model \{([^}]+)\}", README).group(1).split(",")
    assert choices == list(MODEL_NAMES)


def test_readme_documents_the_data_folder_variable_and_the_retraining_process():
    from activelab.data import ENV_VAR
    from activelab.server.config import Settings

    assert f"environment variable `{ENV_VAR}`" in " ".join(README.split())
    assert Settings().worker_mode == "process"
    assert "Retraining runs in a separate, supervised process" in " ".join(README.split())
    assert "background thread" not in README


def test_readme_regression_example_runs_as_written(tmp_path):
    line = next(line for line in README.splitlines()
                if line.startswith("activelab simulate sklearn:diabetes"))
    args = shlex.split(line.split("#")[0])[1:]
    # The README's command, made small: later options win over the defaults.
    done = subprocess.run([sys.executable, "-m", "activelab.cli", *args, "--initial", "10",
                           "--batch", "10", "--budget", "30", "--seeds", "1",
                           "--out", str(tmp_path / "r.json")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads((tmp_path / "r.json").read_text())
    assert result["task"] == "regression" and result["dataset"] == "sklearn:diabetes"
    assert result["runs"][0]["n_labels"] == [10, 20, 30]


def test_readme_make_demo_variables_reach_the_server_command():
    words = re.search(r"`make demo ((?:[A-Z_]+=\S+ ?)+)`", README).group(1).split()
    done = subprocess.run(["make", "-s", "-n", "-C", str(ROOT), "demo", *words],
                          capture_output=True, text=True, timeout=60, check=True)
    serve = next(line for line in done.stdout.splitlines() if "activelab.cli serve" in line)
    for word in words:
        name, value = word.split("=")
        assert f"--{name.lower()} {value}" in serve
