"""Annotation-server latency and throughput: next-item and submit, 1/8/32 annotators.

One command starts the real server (``python -m activelab.server``) on SQLite and
on PostgreSQL, imports a synthetic tabular project of 100k items through the
streamed importer, and measures ``GET /next`` and ``POST /labels`` latency (p50,
p99) and label throughput at each concurrency, then once more at the highest
concurrency while retrains run back to back (each forced as the previous one
ends).  It prints one table and the ratios between configurations.

    python benchmarks/service.py                      # both databases, 20 s per run
    python benchmarks/service.py --db sqlite --duration 10 --items 20000
    python benchmarks/service.py --db sqlite --sqlite-synchronous both   # FULL vs NORMAL
    python benchmarks/service.py --db postgres --items 1000000 --features 50   # at scale

``--scenario`` chooses what runs (comma-separated; ``tabular``, the above, by
default). ``types`` runs 32 annotators with retrains back to back on one project
of every type the server lists in ``GET /api/options`` (data builders in
``service_data.py``; the stream variant is fed ``POST /stream`` items meanwhile);
``team`` runs the annotators and two reviewers (accepting and overriding) on a
project with overlap 2; ``matching`` imports two tables of 50,000 synthetic
people each and times the import with its blocking. Each annotator also times
``GET /api/auth/me`` after each label, the baseline of the same run; afterwards
the database is compared with what every client was told was saved (no item
held by more annotators than the overlap, no lost label, no lost review):

    python benchmarks/service.py --scenario types,team --duration 20 --client-nice 9
    python benchmarks/service.py --scenario matching --matching-records 100000 --client-nice 9

After the import it also measures, once per database: a forced retrain (wall
time from the request to its snapshot), the p99 of the views an admin opens
(project list, dashboard, ``/stats``), the time to the first byte and to the
end of a JSONL export, and the peak resident memory (``VmHWM``) of the server
and of the worker process.

SQLite runs with ``PRAGMA synchronous=FULL`` (the server's default); with
``--sqlite-synchronous both`` the same load runs once more on a fresh database
with ``NORMAL`` (table rows ``sqlite-normal``; both servers run side by side and
the runs alternate between them), and the FULL / NORMAL ratios are printed: the
cost of syncing every commit, measured against its baseline in the same run.

Annotators are threads in this process (httpx, one user and token each), so
client overhead is part of every figure; on a small machine the server and the
clients share the cores.  By default they never pause (a closed-loop stress
test); ``--think-ms`` adds a pause after each label, uniform in [0.5, 1.5] times
the value, as a person reading the next item would.  PostgreSQL runs are
skipped when it is unreachable.
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

import httpx
import numpy as np

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CLASSES = ["a", "b", "c"]
N_FEATURES = 8


@dataclass
class Run:
    """The measurements of one (database, concurrency, retraining) configuration."""

    db: str
    clients: int
    retraining: bool
    seconds: float = 0.0
    next_ms: list[float] = field(default_factory=list)
    submit_ms: list[float] = field(default_factory=list)
    errors: int = 0
    retrains: int = 0
    server_cpu_s: float = float("nan")  # CPU time of the serving process during the run
    worker_cpu_s: float = float("nan")  # ... and of the retraining worker process

    @property
    def cpu_ms_per_label(self) -> float:
        """Server CPU per next+submit cycle: the cost that does not depend on the load."""
        return 1000 * self.server_cpu_s / len(self.submit_ms) if self.submit_ms else float("nan")

    @property
    def labels_per_s(self) -> float:
        return len(self.submit_ms) / self.seconds if self.seconds else 0.0

    def pct(self, values: list[float], q: float) -> float:
        return float(np.percentile(values, q)) if values else float("nan")


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process (Linux ``/proc``; NaN elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, TypeError):
        return float("nan")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres_reachable() -> bool:
    try:
        import psycopg
        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test",
                            connect_timeout=2):
            return True
    except Exception:  # no driver or no server: the run is skipped
        return False


@contextmanager
def database(kind: str, workdir: str) -> Iterator[str]:
    """A fresh database URL (SQLite file or PostgreSQL schema), removed afterwards."""
    if kind == "sqlite":
        path = os.path.join(workdir, f"bench-{uuid.uuid4().hex[:8]}.db")
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)
        return
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = "host=127.0.0.1 port=5432 user=postgres dbname=test"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def make_users(db_url: str, n_annotators: int) -> tuple[str, list[tuple[int, str]]]:
    """Migrate the database and create an admin and annotators; their API tokens."""
    from service_load import make_team

    team = make_team(db_url, n_annotators)
    return team.admin_token, team.annotators


@contextmanager
def server(db_url: str, worker_mode: str = "process", access_log: bool = False,
           synchronous: str = "FULL") -> Iterator[tuple[str, int]]:
    """The server as a subprocess; retrains happen only when forced."""
    port = _free_port()
    env = dict(os.environ, ACTIVELAB_RETRAIN_EVERY_LABELS="1000000000",
               ACTIVELAB_RETRAIN_EVERY_SECONDS="1e9", ACTIVELAB_WORKER_POLL_SECONDS="0.2",
               ACTIVELAB_WORKER_MODE=worker_mode,
               ACTIVELAB_ACCESS_LOG="true" if access_log else "false",
               ACTIVELAB_SQLITE_SYNCHRONOUS=synchronous)
    # The server's log goes to a file, not a pipe: a pipe nobody reads fills up and
    # blocks the server; the file's tail is printed when something fails.
    log = tempfile.NamedTemporaryFile("w+", prefix="activelab-server-", suffix=".log",
                                      delete=False)
    process = subprocess.Popen(
        [sys.executable, "-m", "activelab.server", "--db", db_url, "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=log, text=True)
    url = f"http://127.0.0.1:{port}"

    def log_tail() -> str:
        log.flush()
        with open(log.name) as handle:
            return handle.read()[-3000:]

    try:
        deadline = time.monotonic() + 300  # a busy machine may take minutes to start it
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited: {log_tail()}")
            try:
                if httpx.get(f"{url}/api/options", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start within 300 s")
            time.sleep(0.2)
        yield url, process.pid
    except BaseException:
        print(f"server log ({log.name}), last lines:\n{log_tail()}", file=sys.stderr)
        raise
    finally:
        log.close()
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def synthetic_csv(n_items: int, seed: int, n_features: int = N_FEATURES
                  ) -> tuple[bytes, dict[str, str]]:
    """A CSV of ``n_items`` rows with ``n_features`` numeric columns; true classes by id."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=2.0, size=(len(CLASSES), n_features))
    y = rng.integers(len(CLASSES), size=n_items)
    X = centers[y] + rng.normal(size=(n_items, n_features))
    out = io.StringIO()
    out.write("id," + ",".join(f"f{j}" for j in range(n_features)) + "\n")
    for i in range(n_items):
        out.write(f"r{i}," + ",".join(f"{v:.4f}" for v in X[i]) + "\n")
    truth = {f"r{i}": CLASSES[y[i]] for i in range(n_items)}
    return out.getvalue().encode(), truth


def set_up_project(url: str, admin_token: str, annotators: list[tuple[int, str]],
                   n_items: int, seed: int, n_features: int = N_FEATURES
                   ) -> tuple[int, dict[str, str], float]:
    body, truth = synthetic_csv(n_items, seed, n_features)
    with httpx.Client(base_url=url, timeout=600,
                      headers={"Authorization": f"Bearer {admin_token}"}) as admin:
        project = admin.post("/api/projects", json={
            "name": f"bench-{uuid.uuid4().hex[:6]}", "task_type": "tabular_classification",
            "labels": CLASSES, "model_name": "logreg", "strategy_name": "margin",
            "overlap": 1}).raise_for_status().json()
        for user_id, _ in annotators:
            admin.put(f"/api/projects/{project['id']}/members/{user_id}").raise_for_status()
        start = time.perf_counter()
        report = admin.post(f"/api/projects/{project['id']}/import",
                            files={"file": ("items.csv", body)}).raise_for_status().json()
        import_s = time.perf_counter() - start
    if report["inserted"] != n_items:
        raise RuntimeError(f"import inserted {report['inserted']} of {n_items}: {report}")
    return project["id"], truth, import_s


def _annotate(url: str, token: str, project_id: int, truth: dict[str, str], stop: float,
              run: Run, lock: threading.Lock, think_s: float, seed: int,
              measure_from: float, client_nice: int) -> None:
    if client_nice:  # Linux: setpriority(PRIO_PROCESS, 0) applies to the calling thread only
        os.nice(client_nice)
    next_ms, submit_ms, errors = [], [], 0
    rng = np.random.default_rng(seed)
    with httpx.Client(base_url=url, timeout=60,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        while time.perf_counter() < stop:
            start = time.perf_counter()
            warm = start < measure_from  # the warm-up's requests are not counted
            response = client.get(f"/api/projects/{project_id}/next")
            elapsed = (time.perf_counter() - start) * 1000
            if response.status_code != 200 or response.json()["item"] is None:
                errors += 1
                continue
            if not warm:
                next_ms.append(elapsed)
            item = response.json()["item"]
            value = truth.get(item["external_id"], CLASSES[0])
            start = time.perf_counter()
            response = client.post(f"/api/projects/{project_id}/labels",
                                   json={"item_id": item["id"], "value": value})
            elapsed = (time.perf_counter() - start) * 1000
            if response.status_code == 201:
                if not warm:
                    submit_ms.append(elapsed)
            else:
                errors += 1
            if think_s:
                time.sleep(min(think_s * rng.uniform(0.5, 1.5),
                               max(stop - time.perf_counter(), 0.0)))
    with lock:
        run.next_ms += next_ms
        run.submit_ms += submit_ms
        run.errors += errors


def _snapshot_count(db_url: str, project_id: int) -> int:
    from sqlalchemy import create_engine, func, select

    from activelab.server.models import ModelSnapshot

    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(ModelSnapshot)
                                         .where(ModelSnapshot.project_id == project_id)))
    finally:
        engine.dispose()


def _worker_pid(admin: httpx.Client, project_id: int, server_pid: int | None) -> int | None:
    """The retraining worker's process id (None for a worker thread); waits for its start."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        worker = admin.get(f"/api/projects/{project_id}/stats").json()["worker"]
        if worker.get("mode") == "thread":
            return None  # its CPU is the server's
        if worker.get("pid") and worker["pid"] != server_pid and worker["state"] != "missing":
            return int(worker["pid"])
        time.sleep(0.5)
    return None


def measure(url: str, db_url: str, admin_token: str, annotators: list[tuple[int, str]],
            project_id: int, truth: dict[str, str], run: Run, duration: float,
            think_s: float = 0.0, warmup: float = 0.0, client_nice: int = 0,
            server_pid: int | None = None) -> Run:
    """Run ``run.clients`` annotators for ``duration`` seconds (forcing retrains if asked)."""
    lock = threading.Lock()
    admin = httpx.Client(base_url=url, timeout=60,
                         headers={"Authorization": f"Bearer {admin_token}"})
    snapshots = _snapshot_count(db_url, project_id)
    if run.retraining:  # one retrain before the clients start, so one is running from t=0
        admin.post(f"/api/projects/{project_id}/retrain").raise_for_status()
    cpu_at: dict[str, float] = {}
    worker_pid = _worker_pid(admin, project_id, server_pid)

    def mark_cpu() -> None:  # at the end of the warm-up
        time.sleep(max(start + warmup - time.perf_counter(), 0.0))
        cpu_at.update(server=cpu_seconds(server_pid), worker=cpu_seconds(worker_pid))

    start = time.perf_counter()
    stop = start + warmup + duration
    marker = threading.Thread(target=mark_cpu)
    marker.start()
    threads = [threading.Thread(target=_annotate, args=(url, token, project_id, truth, stop,
                                                        run, lock, think_s, i,
                                                        start + warmup, client_nice))
               for i, (_, token) in enumerate(annotators[:run.clients])]
    for thread in threads:
        thread.start()
    if run.retraining:
        while time.perf_counter() < stop:
            now = _snapshot_count(db_url, project_id)
            if now > snapshots:  # the previous retrain finished: force the next at once
                run.retrains += now - snapshots
                snapshots = now
                admin.post(f"/api/projects/{project_id}/retrain").raise_for_status()
            time.sleep(0.1)
    for thread in threads:
        thread.join()
    marker.join()
    run.server_cpu_s = cpu_seconds(server_pid) - cpu_at["server"]
    run.worker_cpu_s = cpu_seconds(worker_pid) - cpu_at["worker"]
    run.seconds = time.perf_counter() - start - warmup
    if run.retraining:  # let the last forced retrain finish before the next run
        deadline = time.monotonic() + 300
        while _snapshot_count(db_url, project_id) <= snapshots and time.monotonic() < deadline:
            time.sleep(0.2)
        run.retrains += _snapshot_count(db_url, project_id) - snapshots
    admin.close()
    return run


def peak_rss_mb(pid: int | None) -> float:
    """Peak resident memory of a process (``VmHWM``, Linux ``/proc``; NaN elsewhere)."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, TypeError):
        pass
    return float("nan")


def _p99_ms(client: httpx.Client, path: str, n: int) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        client.get(path).raise_for_status()
        times.append((time.perf_counter() - start) * 1000)
    return float(np.percentile(times, 99))


def scale_figures(t: Target, n_views: int = 30) -> dict[str, float]:
    """Retrain, views, export and memory figures of one server (after its runs)."""
    figures: dict[str, float] = {}
    with httpx.Client(base_url=t.url, timeout=600,
                      headers={"Authorization": f"Bearer {t.admin_token}"}) as admin:
        worker_pid = _worker_pid(admin, t.project_id, t.server_pid)
        before = _snapshot_count(t.db_url, t.project_id)
        start = time.perf_counter()
        admin.post(f"/api/projects/{t.project_id}/retrain").raise_for_status()
        while _snapshot_count(t.db_url, t.project_id) <= before:
            time.sleep(0.2)
        figures["retrain s"] = time.perf_counter() - start
        for name, path in (("project list p99 ms", "/api/projects"),
                           ("dashboard p99 ms", f"/projects/{t.project_id}/dashboard"),
                           ("stats p99 ms", f"/api/projects/{t.project_id}/stats")):
            figures[name] = _p99_ms(admin, path, n_views)
        start = time.perf_counter()
        with admin.stream("GET", f"/api/projects/{t.project_id}/export",
                          params={"format": "jsonl"}) as response:
            first = None
            for _ in response.iter_bytes():
                first = first or time.perf_counter() - start
        figures["export first byte s"] = first or float("nan")
        figures["export s"] = time.perf_counter() - start
    figures["server peak MB"] = peak_rss_mb(t.server_pid)
    figures["worker peak MB"] = peak_rss_mb(worker_pid)
    return figures


@dataclass
class Target:
    """One server under test: its database, address and project."""

    label: str
    db_url: str
    url: str
    server_pid: int
    admin_token: str
    annotators: list[tuple[int, str]]
    project_id: int
    truth: dict[str, str]


def start_target(stack: ExitStack, kind: str, args: argparse.Namespace, workdir: str,
                 synchronous: str) -> tuple[Target, float]:
    """A fresh database and its server (closed with ``stack``), the project imported."""
    label = "sqlite-normal" if kind == "sqlite" and synchronous == "NORMAL" else kind
    db_url = stack.enter_context(database(kind, workdir))
    admin_token, annotators = make_users(db_url, max(args.clients))
    url, server_pid = stack.enter_context(server(db_url, args.worker, args.access_log,
                                                 synchronous))
    project_id, truth, import_s = set_up_project(url, admin_token, annotators, args.items,
                                                 args.seed, args.features)
    print(f"[{label}] imported {args.items} items in {import_s:.1f} s "
          f"({args.items / import_s:,.0f} items/s)", flush=True)
    return Target(label, db_url, url, server_pid, admin_token, annotators, project_id,
                  truth), import_s


def bench_database(kind: str, args: argparse.Namespace, workdir: str,
                   modes: list[str]) -> tuple[list[Run], dict[str, float]]:
    """Every configuration on a fresh database per SQLite ``PRAGMA synchronous`` mode.

    With two modes both servers run side by side and each configuration runs
    on one then the other (the order alternating), so both meet the same
    moment's load on a shared machine.
    """
    runs: list[Run] = []
    imports: dict[str, float] = {}
    with ExitStack() as stack:
        targets = []
        for mode in modes:
            target, import_s = start_target(stack, kind, args, workdir, mode)
            targets.append(target)
            imports[target.label] = import_s
        configs = [(c, False) for c in args.clients] + [(max(args.clients), True)]
        for i, (clients, retraining) in enumerate(configs):
            for t in targets if i % 2 == 0 else targets[::-1]:
                run = measure(t.url, t.db_url, t.admin_token, t.annotators, t.project_id,
                              t.truth, Run(t.label, clients, retraining), args.duration,
                              args.think_ms / 1000, args.warmup, args.client_nice,
                              t.server_pid)
                runs.append(run)
                print(f"[{t.label}] {clients:>2} annotators"
                      f"{' + retrain' if retraining else ''}: "
                      f"{len(run.submit_ms)} labels, errors {run.errors}", flush=True)
        for t in targets:
            figures = scale_figures(t)
            print(f"[{t.label}] " + ", ".join(f"{name} {value:.2f}"
                                             for name, value in figures.items()), flush=True)
    return runs, imports


def commit_ms(workdir: str, rounds: int = 5, per_round: int = 100) -> dict[str, list[float]]:
    """Latency of one-row commits to a WAL-mode SQLite file: what the disk's sync costs.

    The two modes take turns, round by round, each on a file of its own, so
    they meet the same moment's load.
    """
    paths = {mode: os.path.join(workdir, f"commits-{mode}-{uuid.uuid4().hex[:8]}.db")
             for mode in ("FULL", "NORMAL")}
    connections = {mode: sqlite3.connect(path, isolation_level=None)
                   for mode, path in paths.items()}
    times: dict[str, list[float]] = {mode: [] for mode in paths}
    try:
        for mode, connection in connections.items():
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(f"PRAGMA synchronous={mode}")
            connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        for _ in range(rounds):
            for mode, connection in connections.items():
                for i in range(per_round):
                    start = time.perf_counter()
                    connection.execute("BEGIN IMMEDIATE")
                    connection.execute("INSERT INTO t (v) VALUES (?)", (str(i),))
                    connection.execute("COMMIT")
                    times[mode].append((time.perf_counter() - start) * 1000)
    finally:
        for connection in connections.values():
            connection.close()
        for path in paths.values():
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)
    return times


def print_commit_costs(workdir: str) -> None:
    """One-row commit latency with FULL and with NORMAL, and their ratio."""
    times = commit_ms(workdir)
    full, normal = times["FULL"], times["NORMAL"]
    p50 = [float(np.percentile(values, 50)) for values in (full, normal)]
    p99 = [float(np.percentile(values, 99)) for values in (full, normal)]
    print(f"\nSQLite one-row commit ({len(full)} each, alternating): FULL p50 {p50[0]:.2f} ms, "
          f"p99 {p99[0]:.2f} ms; NORMAL p50 {p50[1]:.2f} ms, p99 {p99[1]:.2f} ms; "
          f"FULL / NORMAL p50 x{p50[0] / p50[1]:.1f}")


def print_table(runs: list[Run], imports: dict[str, float], n_items: int) -> None:
    header = (f"{'db':<14}{'annotators':>11}{'retrain':>9}{'next p50':>10}{'next p99':>10}"
              f"{'submit p50':>12}{'submit p99':>12}{'labels/s':>10}{'retrains':>10}"
              f"{'errors':>8}{'srv cpu ms/label':>18}{'srv cpu %':>10}{'wkr cpu %':>10}")
    print("\nLatencies in ms; each run", f"{runs[0].seconds:.0f} s" if runs else "", "\n")
    print(header)
    print("-" * len(header))
    for r in runs:
        print(f"{r.db:<14}{r.clients:>11}{'yes' if r.retraining else 'no':>9}"
              f"{r.pct(r.next_ms, 50):>10.1f}{r.pct(r.next_ms, 99):>10.1f}"
              f"{r.pct(r.submit_ms, 50):>12.1f}{r.pct(r.submit_ms, 99):>12.1f}"
              f"{r.labels_per_s:>10.1f}{r.retrains:>10}{r.errors:>8}"
              f"{r.cpu_ms_per_label:>18.1f}{100 * r.server_cpu_s / r.seconds:>10.0f}"
              f"{100 * r.worker_cpu_s / r.seconds:>10.0f}")
    for db, seconds in imports.items():
        print(f"\n{db}: import of {n_items} items {seconds:.1f} s")
    print("\nRatios")
    by_key = {(r.db, r.clients, r.retraining): r for r in runs}
    for r in runs:
        base = by_key.get((r.db, 1, False))
        if base and r is not base:
            print(f"  {r.db} {r.clients} annotators{' + retrain' if r.retraining else ''} "
                  f"vs 1: throughput x{r.labels_per_s / base.labels_per_s:.2f}, next p99 "
                  f"x{r.pct(r.next_ms, 99) / base.pct(base.next_ms, 99):.2f}")
    for r in runs:
        lite = by_key.get(("sqlite", r.clients, r.retraining))
        if r.db == "postgres" and lite:
            print(f"  postgres / sqlite at {r.clients}{' + retrain' if r.retraining else ''}: "
                  f"throughput x{r.labels_per_s / lite.labels_per_s:.2f}, next p99 "
                  f"x{r.pct(r.next_ms, 99) / lite.pct(lite.next_ms, 99):.2f}")
    for r in runs:
        normal = by_key.get(("sqlite-normal", r.clients, r.retraining))
        if r.db == "sqlite" and normal:
            print(f"  sqlite FULL / NORMAL at {r.clients}"
                  f"{' + retrain' if r.retraining else ''}: throughput "
                  f"x{r.labels_per_s / normal.labels_per_s:.2f}, submit p50 "
                  f"x{r.pct(r.submit_ms, 50) / normal.pct(normal.submit_ms, 50):.2f}, submit p99 "
                  f"x{r.pct(r.submit_ms, 99) / normal.pct(normal.submit_ms, 99):.2f}, next p99 "
                  f"x{r.pct(r.next_ms, 99) / normal.pct(normal.next_ms, 99):.2f}")
    target = [r for r in runs if r.retraining]
    for r in target:
        p99 = r.pct(r.next_ms, 99)
        print(f"  target next p99 < 30 ms at {r.clients} annotators during retrain, {r.db}: "
              f"{p99:.1f} ms -> {'met' if p99 < 30 else 'NOT met'}")


SCENARIOS = ("tabular", "types", "team", "matching")


def bench_scenarios(kind: str, args: argparse.Namespace, workdir: str,
                    scenarios: list[str]) -> dict[str, list]:
    """The per-type, team and large-matching scenarios on one fresh database and server."""
    from service_load import make_team
    from service_matching import run_matching
    from service_types import run_team, run_types

    clients = max(args.clients)
    think_s = args.think_ms / 1000
    results: dict[str, list] = {"types": [], "missing": [], "team": [], "matching": []}
    with ExitStack() as stack:
        db_url = stack.enter_context(database(kind, workdir))
        team = make_team(db_url, clients, args.reviewers)
        url, _ = stack.enter_context(server(db_url, args.worker, args.access_log))
        if "types" in scenarios:
            runs, missing = run_types(url, db_url, kind, team, args.type_items, args.seed,
                                      args.duration, args.warmup, think_s, args.client_nice,
                                      args.types)
            results["types"] += runs
            results["missing"] = missing
        if "team" in scenarios:
            results["team"].append(run_team(url, db_url, kind, team, args.type_items,
                                            args.seed, args.duration, args.warmup, think_s,
                                            args.team_overlap, args.client_nice))
        if "matching" in scenarios:
            results["matching"].append(run_matching(
                url, db_url, kind, team, args.matching_records, args.seed, args.duration,
                args.warmup, think_s, args.client_nice, time_blocking=args.time_blocking))
    return results


def print_scenarios(results: dict[str, list], args: argparse.Namespace) -> bool:
    """Print every scenario's table; whether every correctness check passed."""
    from service_matching import print_matching
    from service_types import print_team, print_types

    clients = max(args.clients)
    if results["types"] or results["missing"]:
        print_types(results["types"], results["missing"], clients)
    if results["team"]:
        print_team(results["team"], clients, args.reviewers)
    if results["matching"]:
        print_matching(results["matching"], clients)
    runs = results["types"] + results["team"] + results["matching"]
    return all(not any(run.problems.values()) for run in runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--features", type=int, default=N_FEATURES,
                        help="numeric columns of the synthetic items")
    parser.add_argument("--clients", type=lambda s: [int(c) for c in s.split(",")],
                        default=[1, 8, 32], help="comma-separated concurrencies")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per run")
    parser.add_argument("--think-ms", type=float, default=None,
                        help="mean pause after each label (0: closed loop, no pause; "
                        "default 0 for the tabular scenario, 2000 for the others)")
    parser.add_argument("--warmup", type=float, default=2.0,
                        help="seconds at the start of each run whose requests are not counted")
    parser.add_argument("--worker", choices=["process", "thread"], default="process",
                        help="where the server retrains (ACTIVELAB_WORKER_MODE)")
    parser.add_argument("--client-nice", type=int, default=0,
                        help="raise the annotator threads' nice value by this (Linux: "
                             "per thread), so the client takes less CPU from the server")
    parser.add_argument("--access-log", action="store_true",
                        help="keep uvicorn's per-request access log on (off by default here)")
    parser.add_argument("--sqlite-synchronous", choices=["FULL", "NORMAL", "both"],
                        default="FULL", help="SQLite's PRAGMA synchronous; 'both' runs the "
                        "same load with FULL and with NORMAL and prints their ratios")
    parser.add_argument("--scenario", type=lambda s: s.split(","), default=["tabular"],
                        help="comma-separated, of: tabular (the 100k-item project at each "
                        "concurrency), types (every project type the server lists), team "
                        "(annotators and reviewers on a project with overlap), matching "
                        "(a large two-table matching project)")
    parser.add_argument("--type-items", type=int, default=5000,
                        help="items per project of the types and team scenarios")
    parser.add_argument("--types", type=lambda s: s.split(","), default=None,
                        help="only these project types (types scenario)")
    parser.add_argument("--reviewers", type=int, default=2, help="reviewers (team scenario)")
    parser.add_argument("--team-overlap", type=int, default=2,
                        help="annotators per item (team scenario)")
    parser.add_argument("--matching-records", type=int, default=100_000,
                        help="records of both tables together (matching scenario)")
    parser.add_argument("--time-blocking", action="store_true",
                        help="matching scenario: also time blocking alone, in this process")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", default=None, help="where SQLite files go (a temp dir)")
    args = parser.parse_args(argv)
    import tempfile

    unknown = sorted(set(args.scenario) - set(SCENARIOS))
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}")
    if args.think_ms is None:
        args.think_ms = 0.0 if args.scenario == ["tabular"] else 2000.0

    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    if "postgres" in kinds and not _postgres_reachable():
        print("PostgreSQL is not reachable on 127.0.0.1:5432; skipping it", file=sys.stderr)
        kinds.remove("postgres")
    runs: list[Run] = []
    imports: dict[str, float] = {}
    both = args.sqlite_synchronous == "both"
    modes = {"sqlite": ["FULL", "NORMAL"] if both else [args.sqlite_synchronous],
             "postgres": ["FULL"]}  # no such setting: one run
    others = [s for s in args.scenario if s != "tabular"]
    results: dict[str, list] = {"types": [], "missing": [], "team": [], "matching": []}
    with tempfile.TemporaryDirectory(dir=args.workdir) as workdir:
        for kind in kinds:
            if "tabular" in args.scenario:
                kind_runs, kind_imports = bench_database(kind, args, workdir, modes[kind])
                runs += kind_runs
                imports.update(kind_imports)
            if others:
                for name, found in bench_scenarios(kind, args, workdir, others).items():
                    results[name] = found if name == "missing" else results[name] + found
        if both and "sqlite" in kinds and "tabular" in args.scenario:
            print_commit_costs(workdir)
    print(f"\nmachine: {os.cpu_count()} logical CPUs visible; python {sys.version.split()[0]}; "
          f"load average at the end {os.getloadavg()[0]:.1f}; think time {args.think_ms:g} ms; "
          f"worker {args.worker}; warm-up {args.warmup:g} s dropped; client nice "
          f"+{args.client_nice}; own nice {os.nice(0)}; SQLite synchronous "
          f"{args.sqlite_synchronous}; SQLite files in {args.workdir or tempfile.gettempdir()}")
    if runs:
        print_table(runs, imports, args.items)
    if others:
        return 0 if print_scenarios(results, args) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
