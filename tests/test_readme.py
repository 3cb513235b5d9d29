"""The README's Python quickstart runs verbatim, and its set-up commands exist."""

from __future__ import annotations

import re
import subprocess
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
