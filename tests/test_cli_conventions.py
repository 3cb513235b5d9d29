"""What scripts rely on: --version, --help with examples, --json on stdout, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

import activelab
from activelab.cli import app

COMMANDS = ["simulate", "serve", "import", "export-model", "strategies", "tasks", "bench",
            "datasets"]


def activelab_cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "activelab.cli", *args], capture_output=True,
                          text=True, timeout=300, cwd=cwd)


def test_version_is_the_package_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"activelab {activelab.__version__}"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_examples(command) -> None:
    result = CliRunner().invoke(app, [command, "--help"], terminal_width=120)
    assert result.exit_code == 0
    assert "Examples:" in result.stdout
    assert f"activelab {command}" in result.stdout


def test_the_top_level_help_names_the_exit_codes() -> None:
    result = CliRunner().invoke(app, ["--help"], terminal_width=120)
    assert "Exit codes: 0 success, 1 an error" in result.stdout


@pytest.mark.parametrize("command", ["strategies", "tasks", "datasets"])
def test_listing_commands_print_json(command) -> None:
    result = CliRunner().invoke(app, [command, "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert isinstance(payload, list) and payload
    if command == "strategies":
        assert "margin" in payload
    if command == "tasks":
        names = {entry["name"] for entry in payload}
        assert {"classification", "regression", "multilabel"} <= names
        assert all(isinstance(entry["strategies"], list) for entry in payload)
    if command == "datasets":
        digits = next(entry for entry in payload if entry["name"] == "sklearn:digits")
        assert digits["available"] and digits["samples"] == 1797


def test_simulate_json_is_the_whole_of_stdout(tmp_path) -> None:
    done = activelab_cli("simulate", "sklearn:iris", "--strategy", "margin", "--initial", "6",
                         "--batch", "6", "--budget", "18", "--seeds", "2", "--compare", "random",
                         "--out", str(tmp_path / "r.json"), "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)  # no table, no progress bar, no other line
    assert "\x1b" not in done.stdout + done.stderr  # not a terminal: no bar, no colour
    assert set(payload["summary"]) == {"margin", "random"}
    assert payload["seeds"] == 2 and payload["results"] == str(tmp_path / "r.json")
    assert 0 < payload["summary"]["margin"]["final_accuracy"] <= 1


def test_simulate_json_of_another_task(tmp_path) -> None:
    done = activelab_cli("simulate", "sklearn:diabetes", "--task", "regression",
                         "--initial", "10", "--batch", "10", "--budget", "30", "--seeds", "1",
                         "--out", str(tmp_path / "r.json"), "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["task"] == "regression" and payload["summary"]["igs"]["metric"] == "rmse"


def test_bench_json(tmp_path) -> None:
    done = activelab_cli("bench", "--datasets", "sklearn:iris", "--strategies",
                         "margin,random", "--models", "logreg", "--seeds", "2",
                         "--initial", "6", "--batch", "6", "--budget", "18", "--no-report",
                         "--out", str(tmp_path / "bench"), "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["cells_run"] == 4 and payload["failures"] == []
    assert {row["strategy"] for row in payload["summary"]} == {"margin", "random"}
    assert payload["report"] is None


def test_exit_codes_success_user_error_usage_error(tmp_path) -> None:
    ok = activelab_cli("strategies")
    assert ok.returncode == 0
    user_error = activelab_cli("simulate", "sklearn:digits", "--strategy", "nope",
                               "--out", str(tmp_path / "r.json"))
    assert user_error.returncode == 1
    assert user_error.stderr.startswith("error: unknown strategy 'nope'")
    assert "Traceback" not in user_error.stderr
    usage = activelab_cli("simulate", "--no-such-option")
    assert usage.returncode == 2
    assert "No such option" in usage.stderr
    missing = activelab_cli("simulate")
    assert missing.returncode == 2
