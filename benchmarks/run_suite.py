"""Run a benchmark suite with one command and write its report.

    python benchmarks/run_suite.py quick              # < 5 minutes on 2 cores
    python benchmarks/run_suite.py default --n-jobs 2 # the full suite (about an hour)

Equivalent to ``activelab bench benchmarks/suite_<name>.toml --out runs/<name>``;
any further option of ``activelab bench`` (``--seeds``, ``--dask-scheduler``, ...)
is passed through.  Running it again resumes: finished cells are not redone.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from activelab import ActivelabError
from activelab.bench.cli import register

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> None:
    if not argv or argv[0].startswith("-") or not (HERE / f"suite_{argv[0]}.toml").exists():
        suites = sorted(p.stem.removeprefix("suite_") for p in HERE.glob("suite_*.toml"))
        sys.exit(f"usage: python benchmarks/run_suite.py {{{'|'.join(suites)}}} [options]")
    name, rest = argv[0], argv[1:]
    if "--out" not in rest:
        rest = [*rest, "--out", f"runs/{name}"]
    config = HERE / f"suite_{name}.toml"
    if config.is_relative_to(Path.cwd()):
        config = config.relative_to(Path.cwd())
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    register(app)
    sys.argv = ["activelab", "bench", str(config), *rest]  # quoted in the report
    try:
        app(["bench", str(config), *rest], standalone_mode=False)
    except ActivelabError as error:
        sys.exit(f"error: {error}")


if __name__ == "__main__":
    main(sys.argv[1:])
