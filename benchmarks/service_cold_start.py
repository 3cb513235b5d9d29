"""The server's cold start on an imbalanced text project: labels until every class has 5.

One command starts the real server (``python -m activelab.server``, SQLite, the
retraining worker as a thread of the server so a label wakes it at once),
imports a 500-message sample of sms_spam (about 13% spam) into two projects per
seed and lets a simulated annotator label what ``/next`` serves, with the true
label, pausing ``--think`` seconds after each as a reader would:

* ``discovery``: the default queue (margin).  A first model comes with the first
  label of a second class, and until every class has 5 training labels the
  queue searches for the rare one (``activelab.server.services.discovery``);
* ``margin``: margin sampling from the first model on, without the class search
  (a server with ``ACTIVELAB_CLASS_DISCOVERY=false``);
* ``random``: a random queue (the project's strategy is ``random``).

Each queue runs on a server of its own, on the same samples.  It prints, per
queue and seed, the labels until the first model and until every class has 5
labels (``activelab.tasks.imbalance.labels_to_cover``; evaluation items count,
since the annotator labels them too), and the ratios of the means to the
default queue's.

    python benchmarks/service_cold_start.py              # 5 seeds, think 0.5 s
    python benchmarks/service_cold_start.py --seeds 2 --think 0.2

Without ``../shared/data/sms_spam`` (or ``ACTIVELAB_DATA_DIR``) it uses an
imbalanced subset of sklearn's digits instead (a tabular project: digit 3 rare
among 0, 1 and 2).  The importer draws each item's random order key itself, so
runs differ slightly even with the same seed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
from service import _free_port, make_users

from activelab.tasks.imbalance import labels_to_cover, make_imbalanced

COVER_K = 5
#: Queue name -> (the project's strategy, the server's environment).
QUEUES = {"discovery": ("margin", {}),
          "margin": ("margin", {"ACTIVELAB_CLASS_DISCOVERY": "false"}),
          "random": ("random", {})}


@dataclass
class Project:
    """What a project is made of: task, classes, the import file and the truth by id."""

    name: str
    task_type: str
    classes: list[str]
    filename: str
    body: bytes
    truth: dict[str, str]


def sms_project(n_items: int, seed: int) -> Project | None:
    """``n_items`` messages of sms_spam (natural ratio), or None without the data."""
    from activelab.data import load_dataset
    from activelab.exceptions import ActivelabError

    shared = Path(__file__).resolve().parents[2] / "shared" / "data"
    if "ACTIVELAB_DATA_DIR" not in os.environ and shared.is_dir():
        os.environ["ACTIVELAB_DATA_DIR"] = str(shared)
    try:
        data = load_dataset("sms_spam", max_samples=n_items, random_state=seed)
    except (ActivelabError, OSError):
        return None
    rows = [{"id": f"m{i}", "text": str(text)} for i, text in enumerate(data.X)]
    truth = {f"m{i}": str(label) for i, label in enumerate(data.y)}
    body = "\n".join(json.dumps(row) for row in rows).encode()
    return Project("sms_spam", "text_classification", sorted(set(truth.values())),
                   "sms.jsonl", body, truth)


def digits_project(seed: int) -> Project:
    """Digits 0, 1 and 2 with about 170 rows each, and 3 fifteen times rarer."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    keep = np.isin(digits.target, [0, 1, 2, 3])
    X, y = digits.data[keep], digits.target[keep].astype(str)
    rows = make_imbalanced(y, ["3"], ratio=15, random_state=seed)
    header = "id," + ",".join(f"p{j}" for j in range(X.shape[1])) + "\n"
    lines = [f"d{i}," + ",".join(f"{v:g}" for v in X[i]) for i in rows]
    truth = {f"d{i}": y[i] for i in rows}
    return Project("digits (3 rare)", "tabular_classification", sorted(set(y.tolist())),
                   "digits.csv", (header + "\n".join(lines) + "\n").encode(), truth)


@contextmanager
def server(db_url: str, settings: dict[str, str]) -> Iterator[str]:
    """The server as a subprocess, its retraining worker a thread (woken by each label)."""
    port = _free_port()
    env = dict(os.environ, ACTIVELAB_WORKER_MODE="thread", ACTIVELAB_ACCESS_LOG="false",
               **settings)
    log = tempfile.NamedTemporaryFile("w+", prefix="activelab-cold-", suffix=".log",
                                      delete=False)
    process = subprocess.Popen(
        [sys.executable, "-m", "activelab.server", "--db", db_url, "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=log, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start; see {log.name}")
            try:
                if httpx.get(f"{url}/api/options", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield url
    finally:
        log.close()
        process.terminate()
        process.wait(30)


def annotate(client: httpx.Client, project: Project, strategy: str, think: float,
             max_labels: int) -> tuple[int | None, int | None]:
    """Labels until the first model and until every class has COVER_K (None: not within)."""
    created = client.post("/api/projects", json={
        "name": f"{project.name}-{strategy}-{uuid.uuid4().hex[:6]}",
        "task_type": project.task_type, "labels": project.classes,
        "strategy_name": strategy})
    created.raise_for_status()
    pid = created.json()["id"]
    client.post(f"/api/projects/{pid}/import",
                files={"file": (project.filename, project.body)}).raise_for_status()
    order: list[str] = []
    first_model = None
    while len(order) < max_labels:
        item = client.get(f"/api/projects/{pid}/next").json()["item"]
        if item is None:
            break
        if first_model is None and item["why"]["model_version"] is not None:
            first_model = len(order)
        order.append(project.truth[item["external_id"]])
        client.post(f"/api/projects/{pid}/labels",
                    json={"item_id": item["id"], "value": order[-1]}).raise_for_status()
        if labels_to_cover(order, project.classes, COVER_K) is not None:
            break
        time.sleep(think)
    return first_model, labels_to_cover(order, project.classes, COVER_K)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--think", type=float, default=0.5,
                        help="seconds the annotator pauses after each label")
    parser.add_argument("--max-labels", type=int, default=300)
    args = parser.parse_args()
    projects = [sms_project(args.items, seed) or digits_project(seed)
                for seed in range(args.seeds)]
    for seed, project in enumerate(projects):
        counts = {c: list(project.truth.values()).count(c) for c in project.classes}
        print(f"seed {seed}: {project.name}, {len(project.truth)} items {counts}")
    results: dict[str, list[tuple[int | None, int | None]]] = {q: [] for q in QUEUES}
    for queue, (strategy, settings) in QUEUES.items():
        with tempfile.TemporaryDirectory() as workdir:
            db_url = f"sqlite:///{workdir}/cold.db"
            admin_token, _ = make_users(db_url, 0)
            with server(db_url, settings) as url, httpx.Client(
                    base_url=url, headers={"Authorization": f"Bearer {admin_token}"},
                    timeout=60) as client:
                for seed, project in enumerate(projects):
                    first, covered = annotate(client, project, strategy, args.think,
                                              args.max_labels)
                    results[queue].append((first, covered))
                    print(f"{queue:>9} seed {seed}: first model after {first} labels; every "
                          f"class has {COVER_K} after "
                          f"{covered or f'more than {args.max_labels}'}", flush=True)
    print(f"\nlabels until every class has {COVER_K} examples (mean over {args.seeds} seeds; "
          f"a run that did not get there counts as {args.max_labels})")
    means = {}
    for queue in QUEUES:
        means[queue] = float(np.mean([c or args.max_labels for _, c in results[queue]]))
        firsts = [f for f, _ in results[queue] if f is not None]
        print(f"  {queue:>9}: {means[queue]:6.1f}   first model after "
              f"{np.mean(firsts) if firsts else float('nan'):.1f} labels on average; "
              f"{means[queue] / means['discovery']:.2f} x the default queue's")


if __name__ == "__main__":
    main()
