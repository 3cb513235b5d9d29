"""`/next` under load for every project type, and a team of annotators with reviewers.

``run_types`` creates one project of each type the server lists
(``GET /api/options``, plus the stream variant), imports synthetic data, and
runs the annotators on it with retrains back to back, checking afterwards that
no item was held twice and no label was lost. ``run_team`` runs annotators and
reviewers together on one project with overlap.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np
from service_data import BUILDERS, CLASSES, ProjectData, project_types, tabular_classification
from service_load import (
    TARGET_MS,
    Ledger,
    Team,
    check_labels,
    client,
    double_leases,
    run_load,
)


@dataclass
class TypeRun:
    """One project type's run on one database."""

    db: str
    project_type: str
    n_items: int = 0
    import_s: float = 0.0
    retrains: int = 0
    ledger: Ledger = field(default_factory=Ledger)
    problems: dict[str, list[str]] = field(default_factory=dict)

    @property
    def next_p99(self) -> float:
        return self.ledger.pct(self.ledger.next_ms, 99)

    @property
    def baseline_p99(self) -> float:
        return self.ledger.pct(self.ledger.baseline_ms, 99)

    @property
    def ok(self) -> bool:
        return not any(self.problems.values())


def create_project(url: str, team: Team, data: ProjectData, overlap: int = 1,
                   with_reviewers: bool = False) -> tuple[int, int, float]:
    """Create and import a project; its id, its item count and the import time (s)."""
    members = [user_id for user_id, _ in team.annotators]
    members += [user_id for user_id, _ in team.reviewers] if with_reviewers else []
    with client(url, team.admin_token) as admin:
        admin.timeout = httpx.Timeout(1800)
        project = admin.post("/api/projects", json={
            "name": f"bench-{data.task_type}-{uuid.uuid4().hex[:6]}",
            "task_type": data.task_type, "overlap": overlap, "members": members,
            "eval_fraction": 0.0, **data.settings})
        if project.status_code != 201:
            raise RuntimeError(f"creating a {data.task_type} project: {project.text}")
        pid = project.json()["id"]
        start, total = time.perf_counter(), 0
        for upload in data.uploads:
            report = admin.post(f"/api/projects/{pid}/{upload.route}", files=upload.files,
                                params=upload.params)
            if report.status_code != 200:
                raise RuntimeError(f"importing {data.task_type}: {report.text[:500]}")
            total += report.json()["inserted"]
        import_s = time.perf_counter() - start
    return pid, total, import_s


def stream_feeder(url: str, token: str, project_id: int, rows: list[dict[str, Any]],
                  per_second: float, failures: list[str]) -> Any:
    """A background task that sends stream items at ``per_second`` until the run stops."""
    def feed(stop: float) -> None:
        with client(url, token) as http:
            for row in rows:
                if time.perf_counter() >= stop:
                    return
                sent = http.post(f"/api/projects/{project_id}/stream", json={"item": row})
                if sent.status_code != 200:
                    failures.append(f"/stream {sent.status_code}: {sent.text[:200]}")
                time.sleep(1 / per_second)
    return feed


def run_type(url: str, db_url: str, db: str, team: Team, project_type: str, n_items: int,
             seed: int, duration: float, warmup: float, think_s: float,
             client_nice: int = 0, at_least: int = 0) -> TypeRun:
    """One project of ``project_type``: import, annotators with retrains, checks."""
    data = BUILDERS[project_type](n_items, np.random.default_rng(seed))
    run = TypeRun(db, project_type)
    pid, run.n_items, run.import_s = create_project(url, team, data)
    feeder = stream_feeder(url, team.admin_token, pid, data.stream_items, 5.0,
                           run.ledger.failures) if data.stream_items else None
    ledger, run.retrains = run_load(url, db_url, team, pid, data.answer, duration, warmup,
                                    think_s, client_nice, background=feeder,
                                    at_least=at_least)
    ledger.failures += run.ledger.failures
    run.ledger = ledger
    run.problems = {"double leases": double_leases(ledger, 1),
                    **check_labels(db_url, pid, ledger), "failed requests": ledger.failures}
    return run


def server_task_types(url: str) -> list[str]:
    return list(httpx.get(f"{url}/api/options", timeout=60).raise_for_status()
                .json()["task_types"])


def run_types(url: str, db_url: str, db: str, team: Team, n_items: int, seed: int,
              duration: float, warmup: float, think_s: float, client_nice: int = 0,
              only: list[str] | None = None, at_least: int = 0
              ) -> tuple[list[TypeRun], list[str]]:
    """Every project type the server serves; the runs and the types without a builder."""
    types, missing = project_types(server_task_types(url))
    runs = []
    for i, project_type in enumerate(t for t in types if not only or t in only):
        run = run_type(url, db_url, db, team, project_type, n_items, seed + i, duration,
                       warmup, think_s, client_nice, at_least)
        print(f"[{db}] {project_type}: {run.n_items} items imported in {run.import_s:.1f} s, "
              f"{len(run.ledger.acked)} labels, {run.retrains} retrains, next p99 "
              f"{run.next_p99:.1f} ms, baseline p99 {run.baseline_p99:.1f} ms"
              f"{'' if run.ok else ', PROBLEMS'}", flush=True)
        runs.append(run)
    return runs, missing


def print_types(runs: list[TypeRun], missing: list[str], clients: int) -> None:
    print(f"\n/next at {clients} annotators with retrains back to back (ms); baseline: "
          f"GET /api/auth/me by the same clients in the same run\n")
    header = (f"{'db':<10}{'project type':<24}{'items':>8}{'labels':>8}{'retrains':>9}"
              f"{'next p50':>10}{'next p99':>10}{'base p50':>10}{'base p99':>10}"
              f"{'p99 ratio':>10}{'< 30 ms':>9}{'checks':>8}")
    print(header)
    print("-" * len(header))
    for r in runs:
        led = r.ledger
        print(f"{r.db:<10}{r.project_type:<24}{r.n_items:>8}{len(led.acked):>8}"
              f"{r.retrains:>9}{led.pct(led.next_ms, 50):>10.1f}{r.next_p99:>10.1f}"
              f"{led.pct(led.baseline_ms, 50):>10.1f}{r.baseline_p99:>10.1f}"
              f"{r.next_p99 / r.baseline_p99:>10.2f}"
              f"{'met' if r.next_p99 < TARGET_MS else 'MISSED':>9}{'ok' if r.ok else 'FAIL':>8}")
    for r in runs:
        for name, found in r.problems.items():
            if found:
                print(f"  {r.db} {r.project_type}: {len(found)} {name}, e.g. {found[0]}")
    if missing:
        print(f"  server task types without a data builder (benchmarks/service_data.py "
              f"BUILDERS): {', '.join(missing)}")


@dataclass
class TeamRun:
    """Annotators and reviewers together on one project with overlap."""

    db: str
    overlap: int
    retrains: int = 0
    ledger: Ledger = field(default_factory=Ledger)
    problems: dict[str, list[str]] = field(default_factory=dict)


def run_team(url: str, db_url: str, db: str, team: Team, n_items: int, seed: int,
             duration: float, warmup: float, think_s: float, overlap: int = 2,
             client_nice: int = 0, at_least: int = 0) -> TeamRun:
    """All annotators and reviewers of ``team`` on one tabular project with ``overlap``."""
    data = tabular_classification(n_items, np.random.default_rng(seed))
    pid, _, _ = create_project(url, team, data, overlap=overlap, with_reviewers=True)
    run = TeamRun(db, overlap)
    run.ledger, run.retrains = run_load(url, db_url, team, pid, data.answer, duration,
                                        warmup, think_s, client_nice, review_labels=CLASSES,
                                        at_least=at_least)
    run.problems = {"double leases": double_leases(run.ledger, overlap),
                    **check_labels(db_url, pid, run.ledger),
                    "failed requests": run.ledger.failures}
    return run


def print_team(runs: list[TeamRun], n_annotators: int, n_reviewers: int) -> None:
    print(f"\n{n_annotators} annotators and {n_reviewers} reviewers at once, retrains back "
          "to back\n")
    for r in runs:
        led = r.ledger
        overrides = sum(overridden for *_, overridden in led.reviews.values())
        p99, base = led.pct(led.next_ms, 99), led.pct(led.baseline_ms, 99)
        print(f"{r.db}: overlap {r.overlap}; {len(led.acked)} labels, {len(led.reviews)} "
              f"review decisions ({overrides} overrides), {r.retrains} retrains; next p50 "
              f"{led.pct(led.next_ms, 50):.1f} ms, p99 {p99:.1f} ms "
              f"({'met' if p99 < TARGET_MS else 'MISSED'} < {TARGET_MS:g} ms), baseline p99 "
              f"{base:.1f} ms, ratio x{p99 / base:.2f}")
        for name, found in r.problems.items():
            print(f"  {name}: {len(found)}" + (f", e.g. {found[0]}" if found else ""))
