"""The README's Python quickstart runs verbatim, and its set-up commands exist."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

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
RUNNABLE_DOCS = ["strategies.md", "getting-started.md", "design.md", "guide/loop.md",
                 "guide/models.md", "guide/stopping.md",
                 *sorted(f"tasks/{page.name}" for page in (ROOT / "docs" / "tasks").glob("*.md"))]


@pytest.mark.parametrize("name", RUNNABLE_DOCS)
def test_python_blocks_in_docs_run(name, capsys):
    page = ROOT / "docs" / name
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S)
    for block in blocks:
        exec(compile(block, str(page), "exec"), {})
    assert blocks or name == "tasks/index.md", f"{name} lost its examples"


def test_every_task_page_has_an_example_and_its_evidence():
    for page in (ROOT / "docs" / "tasks").glob("*.md"):
        if page.name != "index.md":
            text = page.read_text()
            assert "## Example" in text and "## Evidence" in text, page.name


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


# ---------------------------------------------------------------- every command line
DOC_PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def command_lines(text: str, program: str) -> list[str]:
    """Every ``program ...`` line of the fenced shell blocks and inline code spans.

    Continuation lines (ending in a backslash) are joined; comments are dropped;
    environment assignments before the program (``NAME=value program ...``) are kept.
    """
    lines, prose, fence = [], [], None
    for line in text.replace("\\\n", " ").splitlines():
        if line.lstrip().startswith("```"):
            fence = line.strip()[3:] if fence is None else None
        elif fence is None:
            prose.append(line)
        elif fence in ("", "bash", "sh", "console"):
            lines.append(line.split(" #")[0].strip())
    lines += re.findall(r"(?<!`)`([^`\n]+)`(?!`)", "\n".join(prose))
    pattern = re.compile(rf"^(?:[A-Z_]+=\S+ +)*{re.escape(program)} ")
    return [line for line in lines if pattern.match(line)]


def cli_options() -> dict[str, set[str]]:
    """activelab's subcommands, each with the option names it accepts ("" for the
    program's own options, such as ``--version``)."""
    import typer

    from activelab.cli import app

    group = typer.main.get_command(app)
    commands = {"": group, **group.commands}
    return {name: {"--help"} | {opt for param in command.params
                                for opt in (*param.opts, *param.secondary_opts)
                                if opt.startswith("-")}
            for name, command in commands.items()}


def test_command_line_helper_finds_blocks_spans_and_continuations():
    text = ("x `activelab tasks` y\n```bash\nactivelab simulate A \\\n    --seeds 2  # note\n"
            "ACTIVELAB_DATA_DIR=/d activelab datasets\nmake lint\n```\n")
    assert command_lines(text, "activelab") == ["activelab simulate A      --seeds 2",
                                                "ACTIVELAB_DATA_DIR=/d activelab datasets",
                                                "activelab tasks"]
    assert command_lines(text, "make") == ["make lint"]


def test_every_activelab_command_in_the_docs_names_a_real_subcommand_and_flags():
    options = cli_options()
    checked = 0
    for page in DOC_PAGES:
        for line in command_lines(page.read_text(), "activelab"):
            words = re.sub(r"^(?:[A-Z_]+=\S+ +)*", "", line).split()
            where = f"{page.relative_to(ROOT)}: {line}"
            if words[1].startswith("-"):  # the program's own option: activelab --version
                words.insert(1, "")
            assert words[1] in options, f"no subcommand {words[1]!r} ({where})"
            for flag in re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", line):
                assert flag in options[words[1]], f"no option {flag} ({where})"
            checked += 1
    assert checked >= 20


def make_targets() -> set[str]:
    database = subprocess.run(["make", "-pRrq", "-C", str(ROOT)], capture_output=True,
                              text=True).stdout
    return set(re.findall(r"^([a-z][\w-]*):", database, flags=re.M))


def test_every_make_command_in_the_docs_is_a_target_whose_cli_flags_exist():
    targets, options = make_targets(), cli_options()
    for page in DOC_PAGES:
        for line in command_lines(page.read_text(), "make"):
            target = line.split()[1]
            assert target in targets, f"{page.relative_to(ROOT)}: no make target {target!r}"
            recipe = subprocess.run(["make", "-s", "-n", "-C", str(ROOT), target],
                                    capture_output=True, text=True, timeout=60).stdout
            recipe = recipe.replace("\\\n", " ")
            for command in re.findall(r"activelab\.cli (\w+)([^\n]*)", recipe):
                for flag in re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", command[1]):
                    assert flag in options[command[0]], f"make {target}: no option {flag}"


# The README's commands that finish in seconds, each run for real (simulations made
# small: later options win over the README's).
SMALL = ["--initial", "10", "--batch", "10", "--budget", "30", "--seeds", "1"]
CHEAP = {
    "activelab strategies": [],
    "activelab tasks": [],
    "activelab datasets": [],
    "activelab simulate sklearn:iris --task clustering": SMALL,
}


@pytest.mark.parametrize("line", sorted(CHEAP))
def test_cheap_readme_commands_run(line, tmp_path):
    assert line in command_lines(README, "activelab"), f"the README no longer says {line!r}"
    args = shlex.split(line)[1:] + CHEAP[line]
    if args[0] == "simulate":
        args += ["--out", str(tmp_path / "r.json")]
    done = subprocess.run([sys.executable, "-m", "activelab.cli", *args], capture_output=True,
                          text=True, timeout=240, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()


def test_the_make_simulate_recipe_runs_small(tmp_path):
    recipe = subprocess.run(["make", "-s", "-n", "-C", str(ROOT), "simulate"],
                            capture_output=True, text=True, timeout=60, check=True).stdout
    recipe = recipe.replace("\\\n", " ")
    command = next(line for line in recipe.splitlines() if "activelab.cli simulate" in line)
    args = shlex.split(command.split("activelab.cli", 1)[1])
    done = subprocess.run([sys.executable, "-m", "activelab.cli", *args, *SMALL],
                          capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "result.json").exists() and (tmp_path / "curve.png").exists()
