"""A large matching project: two synthetic tables, blocking, and `/next` under load.

The import of two tables of people (half the right records noisy copies of left
ones) is timed from the upload to the report, which includes blocking and
storing every candidate pair; the report's ``candidate_pairs`` against
``possible_pairs`` (left x right) shows that blocking keeps a few pairs per record
instead of all of them. Then the annotators answer pairs with retrains back to back.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np
from service_data import as_csv, person_tables, same_entity
from service_load import TARGET_MS, Ledger, Team, check_labels, client, double_leases, run_load


@dataclass
class MatchingRun:
    db: str
    left: int
    right: int
    import_s: float = 0.0
    blocking_s: float = float("nan")  # blocking alone, in this process
    report: dict[str, Any] = field(default_factory=dict)
    retrains: int = 0
    ledger: Ledger = field(default_factory=Ledger)
    problems: dict[str, list[str]] = field(default_factory=dict)


def blocking_seconds(left: list[dict[str, Any]], right: list[dict[str, Any]]
                     ) -> tuple[float, int]:
    """Blocking alone, as the server runs it (``block_pairs``): seconds and pairs."""
    import pandas as pd

    from activelab.tasks.matching import block_pairs

    kinds = {"name": "string", "city": "string", "born": "numeric"}
    frames = [pd.DataFrame(table)[list(kinds)].astype({"born": float}) for table in (left, right)]
    start = time.perf_counter()
    pairs = block_pairs(*frames, kinds, neighbours=5)
    return time.perf_counter() - start, len(pairs)


def run_matching(url: str, db_url: str, db: str, team: Team, n_records: int, seed: int,
                 duration: float, warmup: float, think_s: float, client_nice: int = 0,
                 at_least: int = 0, time_blocking: bool = False) -> MatchingRun:
    """Import two tables of ``n_records / 2`` records each, then run the annotators.

    With ``time_blocking``, blocking alone is timed first, in this process.
    """
    rng = np.random.default_rng(seed)
    left, right = person_tables(n_records // 2, n_records - n_records // 2, rng)
    run = MatchingRun(db, len(left), len(right))
    if time_blocking:
        run.blocking_s, _ = blocking_seconds(left, right)
    with client(url, team.admin_token) as admin:
        admin.timeout = httpx.Timeout(3600)
        pid = admin.post("/api/projects", json={
            "name": f"bench-matching-{uuid.uuid4().hex[:6]}", "task_type": "matching",
            "labels": [], "eval_fraction": 0.0,
            "members": [user_id for user_id, _ in team.annotators]}).raise_for_status().json()["id"]
        files = {"left": ("left.csv", as_csv(left)), "right": ("right.csv", as_csv(right))}
        start = time.perf_counter()
        response = admin.post(f"/api/projects/{pid}/import-tables", files=files)
        run.import_s = time.perf_counter() - start
        if response.status_code != 200:
            raise RuntimeError(f"importing the tables: {response.text[:500]}")
        run.report = response.json()
    print(f"[{db}] matching: {len(left):,} + {len(right):,} records imported and blocked in "
          f"{run.import_s:.1f} s: {run.report['candidate_pairs']:,} candidate pairs",
          flush=True)
    run.ledger, run.retrains = run_load(url, db_url, team, pid, same_entity, duration, warmup,
                                        think_s, client_nice, at_least=at_least)
    run.problems = {"double leases": double_leases(run.ledger, 1),
                    **check_labels(db_url, pid, run.ledger),
                    "failed requests": run.ledger.failures}
    return run


def print_matching(runs: list[MatchingRun], clients: int) -> None:
    for r in runs:
        led, report = r.ledger, r.report
        pairs, possible = report["candidate_pairs"], report["possible_pairs"]
        p99, base = led.pct(led.next_ms, 99), led.pct(led.baseline_ms, 99)
        print(f"\nmatching, {r.db}: {r.left:,} + {r.right:,} records; import with blocking "
              f"{r.import_s:.1f} s; {pairs:,} candidate pairs ({pairs / (r.left + r.right):.1f}"
              f" per record) of {possible:,} possible (n x m; {pairs / possible:.2e} of them); "
              f"{report['inserted']:,} items stored")
        if r.blocking_s == r.blocking_s:  # timed
            print(f"  blocking alone (block_pairs in the benchmark's process): "
                  f"{r.blocking_s:.1f} s")
        print(f"  {clients} annotators with retrains back to back: {len(led.acked)} answers, "
              f"{r.retrains} retrains; next p50 {led.pct(led.next_ms, 50):.1f} ms, p99 "
              f"{p99:.1f} ms ({'met' if p99 < TARGET_MS else 'MISSED'} < {TARGET_MS:g} ms); "
              f"baseline p99 {base:.1f} ms, ratio x{p99 / base:.2f}")
        for name, found in r.problems.items():
            print(f"  {name}: {len(found)}" + (f", e.g. {found[0]}" if found else ""))
