"""The ``activelab`` command line: a thin layer over the library."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from . import __version__
from ._console import help_examples, stderr_console, stdout_console
from ._scale_options import pool_scorer
from ._spelling import cli_spelling
from .disk_data import load_parquet_on_disk
from .exceptions import ActivelabError, ConfigError
from .models.factory import MODEL_NAMES, check_model_name
from .simulation import DEFAULT_CONFIGURATION, SimulationResult, configuration, simulate
from .strategies import available_strategies
from .tasks.registry import get_task
from .tasks.simulate import TASKS, simulate_task

__all__ = ["app", "main"]

#: Rich help needs this many columns; narrower, it cuts option names short with "…".
RICH_HELP_MIN_WIDTH = 100


def _help_markup() -> Literal["rich"] | None:
    """Rich help on a wide terminal; else click's plain help, which wraps and never cuts."""
    terminal = Console()
    return "rich" if terminal.is_terminal and terminal.width >= RICH_HELP_MIN_WIDTH else None


HELP_MARKUP = _help_markup()
app = typer.Typer(
    name="activelab",
    help="Active learning that does the whole job: simulate, benchmark, annotate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=HELP_MARKUP,
)
console = stderr_console()
out = stdout_console()

#: The ``--json`` option of every command that prints a table: one JSON document on stdout.
JsonOption = Annotated[bool, typer.Option(
    "--json", help="Print one JSON document on stdout instead of tables (for scripts).")]


def _print_json(payload: object) -> None:
    """One JSON document on stdout, unstyled, so ``| jq`` and ``json.loads`` read it."""
    sys.stdout.write(json.dumps(payload, indent=1, default=str) + "\n")


def _examples(*lines: str) -> str:
    return help_examples(*lines, rich=HELP_MARKUP == "rich")


def _print_version(value: bool) -> None:
    if value:
        out.print(f"activelab {__version__}", highlight=False)
        raise typer.Exit()


@app.callback(epilog=_examples(
    "activelab simulate sklearn:digits --compare random --plot curve.png",
    "activelab serve --demo", "activelab tasks --json", "activelab --version") +
    "\n\nExit codes: 0 success, 1 an error in the input or the data (one line on "
    "stderr), 2 a usage error (unknown option, missing argument).")
def _root(version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Print the version and exit.")] = False) -> None:
    """Active learning that does the whole job: simulate, benchmark, annotate."""


def _summary_row(result: SimulationResult) -> dict[str, float | None]:
    aulcs = [run.aulc(result.budget) for run in result.runs]
    finals = [run.accuracy[-1] for run in result.runs]
    reached = [run.labels_to_fraction(0.95) for run in result.runs]
    hits = [n for n in reached if n is not None]
    return {
        "aulc_mean": float(np.mean(aulcs)),
        "aulc_std": float(np.std(aulcs)),
        "final_accuracy": float(np.mean(finals)),
        "full_accuracy": float(np.mean([run.full_accuracy for run in result.runs])),
        # Mean over the seeds that got there; how many did is reported beside it.
        "labels_to_95": float(np.mean(hits)) if hits else None,
        "runs_reaching_95": len(hits),
    }


def _print_table(results: list[SimulationResult], baseline: str | None) -> None:
    rows = {r.strategy: _summary_row(r) for r in results}
    table = Table(title=f"{results[0].dataset} · {results[0].model} · "
                        f"{len(results[0].runs)} seed(s) · budget {results[0].budget}")
    for column in ("strategy", "AULC", "final acc", "full-data acc", "labels to 95%"):
        table.add_column(column, justify="left" if column == "strategy" else "right")
    if baseline:
        table.add_column(f"labels vs {baseline}", justify="right")
    base = rows.get(baseline) if baseline else None
    for name, row in rows.items():
        n_runs = len(results[0].runs)
        to95 = ("not reached" if row["labels_to_95"] is None
                else f"{row['labels_to_95']:.0f} ({row['runs_reaching_95']}/{n_runs})")
        cells = [name, f"{row['aulc_mean']:.4f} ± {row['aulc_std']:.4f}",
                 f"{row['final_accuracy']:.4f}", f"{row['full_accuracy']:.4f}", to95]
        if baseline:
            if base and base["labels_to_95"] and row["labels_to_95"]:
                cells.append(f"{row['labels_to_95'] / base['labels_to_95']:.2f}×")
            else:
                cells.append("n/a")
        table.add_row(*cells)
    out.print(table)


def _plot(results: list[SimulationResult], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for result in results:
        length = min(len(run.n_labels) for run in result.runs)
        x = np.asarray(result.runs[0].n_labels[:length])
        curves = np.array([run.accuracy[:length] for run in result.runs])
        mean, std = curves.mean(axis=0), curves.std(axis=0)
        ax.plot(x, mean, label=f"{result.strategy} (AULC {result.mean_aulc():.3f})")
        ax.fill_between(x, mean - std, mean + std, alpha=0.2)
    full = np.mean([run.full_accuracy for run in results[0].runs])
    ax.axhline(float(full), color="grey", linestyle="--", linewidth=1, label="all labels")
    ax.set_xlabel("labelled items")
    ax.set_ylabel("test accuracy")
    ax.set_title(f"{results[0].dataset} · {results[0].model}")
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _load(data: str, target: str | None, text_column: str | None,  # noqa: ANN202
          features: str | None = None):
    from .data import load_dataset

    return load_dataset(data, target=target, text_column=text_column, features=features)


@app.command("simulate",
             short_help="Simulate active learning on known labels; write the curves.",
             epilog=_examples(
                 "activelab simulate sklearn:digits --strategy margin --compare random",
                 "activelab simulate data.csv --target label --seeds 3 --plot curve.png",
                 "activelab simulate sklearn:diabetes --task regression --strategy igs",
                 "activelab simulate sklearn:digits --seeds 2 --json | jq .summary"))
def simulate_command(
    data: Annotated[str, typer.Argument(
        help="CSV/JSONL/Parquet file, sklearn:digits|breast_cancer|wine|iris|diabetes, "
             "or a dataset name from `activelab datasets`.")],
    target: Annotated[str | None, typer.Option(
        help="Target column (required for files; the sklearn: sets take none or "
             "'target').")] = None,
    text_column: Annotated[str | None, typer.Option(
        help="Column of raw text; featurised by TF-IDF (default: the longest free-text "
             "column of a file, if it has one).")] = None,
    features: Annotated[str | None, typer.Option(
        help="Text features instead of TF-IDF: minilm (sentence embeddings; extra "
             "'embeddings').")] = None,
    task: Annotated[str, typer.Option(
        help=f"One of {', '.join(TASKS)}.")] = "classification",
    model: Annotated[str | None, typer.Option(
        help=f"Classification: one of {', '.join(MODEL_NAMES)} (default logreg); other "
             "tasks: their own, as `activelab tasks` lists them.")] = None,
    strategy: Annotated[str | None, typer.Option(
        help="Query strategy name. Default for classification: the default configuration "
             "(auto with the model chosen among semi-supervised variants by "
             "cross-validation; margin with --pool-on-disk or --dask); other tasks: their "
             "own, as `activelab tasks` lists it.")] = None,
    initial: Annotated[int, typer.Option(help="Seed-set size.")] = 20,
    batch: Annotated[int, typer.Option(help="Labels per round.")] = 10,
    budget: Annotated[int, typer.Option(help="Total labels, seed set included.")] = 300,
    seeds: Annotated[int, typer.Option(help="Number of seeded runs.")] = 5,
    test_size: Annotated[float, typer.Option(help="Held-out fraction.")] = 0.25,
    initial_method: Annotated[str, typer.Option(
        help="Seed set: random, kmeans or typiclust.")] = "random",
    compare: Annotated[list[str] | None, typer.Option(
        help="Also run these strategies on the same splits and model, without the default "
             "configuration's semi-supervision (e.g. random, margin).")] = None,
    master_seed: Annotated[int, typer.Option(help="Seed all runs derive from.")] = 0,
    out_path: Annotated[Path, typer.Option("--out", help="Where to write result JSON.")] = Path(
        "result.json"),
    plot: Annotated[Path | None, typer.Option(help="Write a learning-curve PNG here.")] = None,
    pool_on_disk: Annotated[bool, typer.Option(
        "--pool-on-disk", help="Keep a Parquet file's features on disk and read them in row "
        "groups (numeric columns; classification).")] = False,
    dask: Annotated[str | None, typer.Option(
        metavar="SCHEDULER", help="Score the pool on a Dask cluster: a scheduler address "
        "(tcp://host:8786) or 'local' (extra 'distributed').")] = None,
    as_json: JsonOption = False,
) -> None:
    """Run the active-learning loop against known labels and write the learning curves.

    The summary table goes to stdout (with --json: the result document instead);
    progress bars go to stderr, and only on a terminal.
    """
    if task not in TASKS:
        raise ConfigError(f"unknown task {task!r}; choose one of {', '.join(TASKS)}")
    if strategy is None and task == "classification" and not pool_on_disk and dask is None:
        strategy = DEFAULT_CONFIGURATION
    strategy = strategy or get_task(task).default_strategy
    if task != "classification":
        given = [name for name, on in (("--features", features is not None),
                                       ("--pool-on-disk", pool_on_disk),
                                       ("--dask", dask is not None)) if on]
        if given:
            verb = "applies" if len(given) == 1 else "apply"
            raise ConfigError(f"{' and '.join(given)} {verb} to --task classification")
        _simulate_other_task(task, data, target=target, text_column=text_column, model=model,
                             strategies=[strategy] + [c for c in (compare or []) if c != strategy],
                             loop={"initial": initial, "batch": batch, "budget": budget,
                                   "seeds": seeds, "test_size": test_size,
                                   "master_seed": master_seed, "initial_method": initial_method},
                             out_path=out_path, baseline=compare[0] if compare else None,
                             as_json=as_json)
        return
    model = model or str(get_task(task).default_model)
    known = available_strategies()
    for name in [strategy, *(compare or [])]:
        if name not in known and name != DEFAULT_CONFIGURATION:
            raise ConfigError(f"unknown strategy {name!r}; choose one of {', '.join(known)}")
    check_model_name(model)
    if pool_on_disk:
        if target is None:
            raise ConfigError("--pool-on-disk needs --target")
        dataset = load_parquet_on_disk(Path(data).expanduser(), target)
    else:
        dataset = _load(data, target, text_column, features)
    if Path(data).expanduser().is_file():  # say what was inferred from the user's file
        (console if as_json else out).print(dataset.description, highlight=False,
                                            soft_wrap=True)
    strategies = [strategy] + [c for c in (compare or []) if c != strategy]
    rounds_per_run = 1 + -(-(budget - initial) // batch)
    results = []

    def advancer(bar_task: TaskID) -> Callable[[int, int], None]:
        return lambda _seed, _n: bar.advance(bar_task)

    with pool_scorer([configuration(name)["strategy"] for name in strategies],
                     on_disk=pool_on_disk, dask=dask) as scorer, \
            Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                     TimeElapsedColumn(), console=console,
                     disable=not console.is_terminal) as bar:
        for name in strategies:
            bar_task = bar.add_task(f"{name:>16}", total=seeds * rounds_per_run)
            results.append(simulate(
                dataset, model=model, initial=initial, batch=batch,
                budget=budget, seeds=seeds, test_size=test_size, master_seed=master_seed,
                initial_method=initial_method,
                on_round=advancer(bar_task), scorer=scorer, **configuration(name)))
    payload = results[0].to_dict()
    payload["summary"] = _summary_row(results[0])
    payload["comparisons"] = {r.strategy: {**r.to_dict(), "summary": _summary_row(r)}
                              for r in results[1:]}
    out_path.write_text(json.dumps(payload, indent=1))
    if plot:
        _plot(results, plot)
    if as_json:
        _print_json(_json_summary(payload, out_path, plot))
        return
    _print_table(results, baseline=compare[0] if compare else None)
    if plot:
        out.print(f"learning curves: {plot}")
    out.print(f"results: {out_path}")


def _json_summary(payload: dict, out_path: Path, plot: Path | None = None) -> dict:
    """What ``simulate --json`` prints: the summary of each strategy, not every curve
    (those are in the result file)."""
    summary = {payload["strategy"]: payload["summary"]}
    summary.update({name: entry["summary"] for name, entry in payload["comparisons"].items()})
    keys = ("dataset", "task", "model", "initial", "batch", "budget", "master_seed")
    return {**{key: payload[key] for key in keys if key in payload},
            "seeds": len(payload.get("runs", [])), "summary": summary,
            "results": str(out_path), "plot": str(plot) if plot else None}


def _simulate_other_task(task: str, data: str, *, target: str | None, text_column: str | None,
                         model: str | None, strategies: list[str], loop: dict,
                         out_path: Path, baseline: str | None, as_json: bool = False) -> None:
    # No per-round hook in the other tasks' simulations: a spinner on a terminal's stderr.
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=console, transient=True, disable=not console.is_terminal) as bar:
        bar.add_task(f"simulating {task}: {', '.join(strategies)} × {loop['seeds']} seed(s)",
                     total=None)
        results, metric, lower = simulate_task(task, data, target=target,
                                               text_column=text_column, model=model,
                                               strategies=strategies, **loop)
    table = Table(title=f"{results[0].dataset} · {task} · {results[0].model} · "
                        f"{len(results[0].runs)} seed(s) · budget {results[0].budget}")
    for column in ("strategy", f"AULC of {metric}", f"final {metric}"):
        table.add_column(column, justify="left" if column == "strategy" else "right")
    if baseline:
        table.add_column(f"AULC vs {baseline}", justify="right")
    means = {r.strategy: r.mean_aulc(metric) for r in results}
    summaries = {}
    for result in results:
        aulcs = [run.aulc(result.budget, metric) for run in result.runs]
        final = float(np.mean([run.final(metric) for run in result.runs]))
        summaries[result.strategy] = {"metric": metric, "lower_is_better": lower,
                                      "aulc_mean": float(np.mean(aulcs)),
                                      "aulc_std": float(np.std(aulcs)), "final": final}
        cells = [result.strategy, f"{np.mean(aulcs):.4f} ± {np.std(aulcs):.4f}", f"{final:.4f}"]
        if baseline:
            base = means.get(baseline)
            cells.append(f"{means[result.strategy] / base:.3f}×" if base else "n/a")
        table.add_row(*cells)
    payload = results[0].to_dict()
    payload["summary"] = summaries[results[0].strategy]
    payload["comparisons"] = {r.strategy: {**r.to_dict(), "summary": summaries[r.strategy]}
                              for r in results[1:]}
    out_path.write_text(json.dumps(payload, indent=1))
    if as_json:
        _print_json({**_json_summary(payload, out_path), "task": task})
        return
    out.print(table)
    out.print(f"{metric}: {'lower' if lower else 'higher'} is better. results: {out_path}")


@app.command("serve", short_help="Run the annotation server and its browser UI.",
             epilog=_examples(
                 "activelab serve --demo",
                 "activelab serve --db postgresql+psycopg://me@localhost/activelab "
                 "--host 0.0.0.0 --port 8080"))
def serve_command(
    db: Annotated[str | None, typer.Option(
        help="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db "
             "(default: sqlite:///activelab.db or ACTIVELAB_DB_URL).")] = None,
    demo: Annotated[bool, typer.Option(
        help="Create the digits demo project and an admin user (idempotent).")] = False,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    reset_demo_password: Annotated[bool, typer.Option(
        help="Give the demo admin a new password and print it.")] = False,
    worker: Annotated[str | None, typer.Option(
        help="Where retraining runs: 'process' (default: a separate, supervised, "
             "lower-priority process), 'thread', or 'external' (started by hand with "
             "activelab worker).")] = None,
    workers: Annotated[int, typer.Option(
        min=1, help="API processes serving the database (PostgreSQL only for more than 1); "
                    "the retraining worker still runs once.")] = 1,
) -> None:
    """Run the annotation server and browser UI (FastAPI + SQLite/PostgreSQL)."""
    if worker not in (None, "process", "thread", "external"):
        raise typer.BadParameter("use process, thread or external", param_hint="--worker")
    if workers > 1 and worker == "thread":
        raise typer.BadParameter("several API processes need --worker process or external",
                                 param_hint="--worker")
    run_server = _server_import("run_server", "activelab serve")
    run_server(host=host, port=port, db_url=db, demo=demo,
               reset_demo_password=reset_demo_password or None, worker_mode=worker,
               program=_program("serve"), workers=workers)


@app.command("worker", short_help="Run the retraining worker on its own.",
             epilog=_examples("activelab worker --db postgresql+psycopg://me@db.example.org/al"))
def worker_command(
    db: Annotated[str | None, typer.Option(
        help="SQLAlchemy URL of the server's database "
             "(default: sqlite:///activelab.db or ACTIVELAB_DB_URL).")] = None,
) -> None:
    """Retrain and re-score projects for a server started with --worker external.

    It talks to the server only through the database, so it may run on another
    machine; stop it with Ctrl-C or SIGTERM (it finishes its current batch).
    """
    run_worker_command = _server_import("run_worker_command", "activelab worker")
    run_worker_command(db)


def _program(command: str) -> str:
    """How this process was started (``activelab serve``), for hints that say what to rerun."""
    if Path(sys.argv[0]).stem == "activelab":
        return f"activelab {command}"
    return f"{Path(sys.executable).name} -m activelab.cli {command}"


def _server_import(name: str, command: str):  # noqa: ANN202 - a function of the server extra
    try:
        from . import server
    except ImportError as missing:
        from .exceptions import MissingDependencyError

        raise MissingDependencyError(str(missing.name or "fastapi"), "server", command) from None
    return getattr(server, name)


@app.command("import", short_help="Import items into an annotation project.",
             epilog=_examples("activelab import digits items.csv",
                              "activelab import 3 photos/ --db sqlite:///activelab.db",
                              "activelab import news export.jsonl --on-duplicate update",
                              "activelab import news label-studio-export.json --as admin",
                              "activelab import boxes dataset.zip --format coco"))
def import_command(
    project: Annotated[str, typer.Argument(help="The project's id or name.")],
    source: Annotated[Path, typer.Argument(
        help="A .csv, .jsonl or .zip file, a folder of images (read recursively), or an "
             "annotated file: Label Studio JSON, COCO (.json, or a zip with the images), "
             "Pascal VOC (.xml, or a zip).")],
    db: Annotated[str | None, typer.Option(
        help="SQLAlchemy URL of the server's database "
             "(default: sqlite:///activelab.db or ACTIVELAB_DB_URL).")] = None,
    format: Annotated[str | None, typer.Option(
        "--format", help="csv, jsonl, zip, label-studio, coco or voc, when the file's "
                         "extension does not say (.json: label-studio, or coco into an "
                         "image-regions project; .xml: voc).")] = None,
    all_or_nothing: Annotated[bool, typer.Option(
        help="Import nothing when any row or file is bad (default: import the good ones).")
    ] = False,
    on_duplicate: Annotated[str, typer.Option(
        help="A row whose id the project has already: 'skip' it or 'update' that item.")
    ] = "skip",
    label_column: Annotated[str | None, typer.Option(
        help="The CSV/JSONL column read as pre-labels, not as a feature "
             "(default: the project's label column, 'label' unless changed).")] = None,
    as_user: Annotated[str | None, typer.Option(
        "--as", help="The admin whose labels the answers of a Label Studio, COCO or VOC "
                     "file become (default: the database's only admin).")] = None,
) -> None:
    """Import items into an annotation project, streamed; bad rows/files are listed.

    Importing a file again adds no item twice: rows are matched by their id.
    A Label Studio, COCO or VOC file is checked whole and imported in one transaction;
    its answers become labels of an admin (``--as``).
    """
    import_source = _server_import("import_source", "activelab import")
    from .server import ImportRejectedError

    # A bar of the file's bytes (a spinner for a folder), on a terminal's stderr only.
    bar = Progress(SpinnerColumn(), TextColumn("importing"), BarColumn(),
                   DownloadColumn(), TimeElapsedColumn(), console=console,
                   disable=not console.is_terminal, transient=True)
    bar_task = bar.add_task("import", total=None)

    def show(done: int, total: int | None) -> None:
        bar.update(bar_task, completed=done, total=total)

    try:
        with bar:
            report = import_source(project, source, db, fmt=format,
                                   all_or_nothing=all_or_nothing, on_duplicate=on_duplicate,
                                   label_column=label_column, progress=show,
                                   as_user=as_user)
    except ImportRejectedError as error:
        for entry in error.errors:
            console.print(f"  {_where(entry)}: {entry['error']}", highlight=False)
        raise
    if "labels" in report:  # an annotated file
        out.print(f"imported {report['inserted']} item(s), labelled {report['matched']} "
                  f"known item(s); {report['labels']} label(s), {report['prelabels']} "
                  f"pre-label(s), {report['unchanged']} unchanged", highlight=False)
        return
    out.print(f"imported {report['inserted']} item(s); {report['n_errors']} bad; "
              f"{report['duplicates']} known id(s) skipped, {report['updated']} updated; "
              f"{report['prelabels']} pre-label(s)", highlight=False)
    if report.get("feature_columns"):
        label = report.get("label_column") or "none"
        out.print(f"  features: {', '.join(report['feature_columns'])}; pre-label column: "
                  f"{label}", highlight=False)
    if report.get("candidate_pairs") is not None:  # a clustering project: rows are points
        out.print(f"  pair questions added: {report['candidate_pairs']}", highlight=False)
    for warning in report.get("warnings", []):
        out.print(f"  warning: {warning}", highlight=False)
    for entry in report["errors"]:
        out.print(f"  {_where(entry)}: {entry['error']}", highlight=False)
    if report["n_errors"] > len(report["errors"]):
        out.print(f"  ... and {report['n_errors'] - len(report['errors'])} more", highlight=False)


@app.command("export-model", short_help="Write a project's trained model to a skops file.",
             epilog=_examples("activelab export-model digits",
                              "activelab export-model 3 --out model.skops --db sqlite:///activelab.db"))
def export_model_command(
    project: Annotated[str, typer.Argument(help="The project's id or name.")],
    path: Annotated[Path | None, typer.Option(
        "--out", help="The file to write (default: project-<id>-model.skops).")] = None,
    db: Annotated[str | None, typer.Option(
        help="SQLAlchemy URL of the server's database "
             "(default: sqlite:///activelab.db or ACTIVELAB_DB_URL).")] = None,
) -> None:
    """Write a project's model (from raw items to labels) as the server serves it.

    Load it with skops.io.load(path, trusted=[...]); see docs/model-export.md.
    """
    export_model = _server_import("export_model", "activelab export-model")
    info = export_model(project, path or Path(f"project-{project}-model.skops"), db)
    out.print(f"wrote {info['path']}: model version {info['version']}, fitted on "
              f"{info['n_labels']} label(s), {info['bytes']} bytes", highlight=False)


@app.command("stream", short_help="Feed a file through a project's stream: ask or skip each item.",
             epilog=_examples("activelab stream arrivals.csv --project 3",
                              "activelab stream events.jsonl --project news --db sqlite:///activelab.db"))
def stream_command(
    source: Annotated[Path, typer.Argument(
        help="A .csv or .jsonl file of items, in arrival order.")],
    project: Annotated[str, typer.Option("--project", help="The project's id or name.")],
    db: Annotated[str | None, typer.Option(
        help="SQLAlchemy URL of the server's database "
             "(default: sqlite:///activelab.db or ACTIVELAB_DB_URL).")] = None,
    format: Annotated[str | None, typer.Option(
        "--format", help="csv or jsonl, when the file's extension does not say.")] = None,
) -> None:
    """Decide for each item of a file, in order, whether a person should label it.

    The project's stream (stream_rate, stream_budget) decides as POST
    /api/projects/{id}/stream does, with the same stored state; asked items enter
    the queue. Bad rows are listed by line and the others go on.
    """
    stream_file = _server_import("stream_file", "activelab stream")

    def show(line: int, decision: dict) -> None:
        out.print(f"line {line}: {decision['decision']} ({decision['reason']})", highlight=False)

    report = stream_file(project, source, db, fmt=format, on_item=show)
    state = report["state"] or {}
    out.print(f"asked {report['asked']}, skipped {report['skipped']}, {report['n_errors']} bad; "
              f"the stream has seen {state.get('seen', 0)} item(s) and asked "
              f"{state.get('asked', 0)}", highlight=False)
    for entry in report["errors"]:
        out.print(f"  {_where(entry)}: {entry['error']}", highlight=False)


def _where(entry: dict) -> str:
    return f"line {entry['line']}" if "line" in entry else str(entry.get("file"))


@app.command("strategies", epilog=_examples("activelab strategies",
                                           "activelab strategies --json"))
def strategies_command(as_json: JsonOption = False) -> None:
    """List the query strategies."""
    if as_json:
        _print_json(list(available_strategies()))
        return
    for name in available_strategies():
        out.print(name)


@app.command("tasks", short_help="List the tasks, their answers, strategies and models.",
             epilog=_examples("activelab tasks", "activelab tasks --json"))
def tasks_command(as_json: JsonOption = False) -> None:
    """List the tasks: what a person answers, strategies, models, headline metric."""
    from .tasks.contract import describe
    from .tasks.registry import TASKS as TASK_REGISTRY

    if as_json:
        _print_json([{"name": task.name, "answer": task.answer,
                      "strategies": list(task.strategies()),
                      "default_strategy": task.default_strategy,
                      "models": list(task.models()), "default_model": task.default_model,
                      "headline": task.headline, "lower_is_better": task.lower_is_better,
                      "learner": dict(describe(task))["learner"]}
                     for task in TASK_REGISTRY.values()])
        return
    for task in TASK_REGISTRY.values():
        out.print(task.name, highlight=False)
        for field, text in describe(task):
            out.print(f"  {field:<11} {text}", highlight=False, soft_wrap=True)


from .bench.cli import register as register_bench  # noqa: E402 - after the core commands

register_bench(app)


def main() -> None:
    """Entry point: one-line errors and exit code 1 instead of tracebacks.

    Usage errors are Typer's own (exit code 2); activelab's errors and file
    errors propagate out of standalone mode and are printed here.
    """
    try:
        with cli_spelling():  # hints name --text-column, not text_column=
            app()
    except (ActivelabError, OSError) as error:
        console.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
