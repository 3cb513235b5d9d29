"""The service benchmark's scenarios at a small size, so that its code keeps working.

The real server runs as a subprocess with its worker retraining back to back;
a few annotators label a project of every type the server lists, then annotators
and reviewers share a project with overlap, then a small matching project is
imported from two tables. Correctness is asserted (every type ran, no item held
twice, every acknowledged label and review stored as told), not speed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.append(str(Path(__file__).resolve().parents[2] / "benchmarks"))

from service import database, server  # noqa: E402
from service_data import BUILDERS, VARIANTS  # noqa: E402
from service_load import make_team  # noqa: E402
from service_matching import run_matching  # noqa: E402
from service_types import run_team, run_types  # noqa: E402

#: Half a second each, and on until every client has two answers (a busy machine).
LOAD = {"duration": 0.5, "warmup": 0.0, "think_s": 0.05, "at_least": 2}


def _assert_clean(problems: dict[str, list[str]], what: str) -> None:
    found = {name: items[:3] for name, items in problems.items() if items}
    assert not found, f"{what}: {found}"


@pytest.mark.timeout(600)
@pytest.mark.slow
def test_every_project_type_team_and_matching_run_without_a_lost_label(tmp_path):
    with database("sqlite", str(tmp_path)) as db_url:
        team = make_team(db_url, n_annotators=3, n_reviewers=2)
        with server(db_url) as (url, _):
            runs, missing = run_types(url, db_url, "sqlite", team, n_items=40, seed=0, **LOAD)
            # Three items, two labels each from three annotators: all reach the reviewers.
            team_run = run_team(url, db_url, "sqlite", team, n_items=3, seed=1, overlap=2,
                                **LOAD)
            matching = run_matching(url, db_url, "sqlite", team, n_records=60, seed=2, **LOAD)

    assert missing == [], "server task types without a benchmark data builder"
    assert {r.project_type for r in runs} == set(BUILDERS) | set(VARIANTS)
    for run in runs:
        _assert_clean(run.problems, run.project_type)
        assert run.n_items > 0 and run.ledger.acked, run.project_type
        assert len(run.ledger.next_ms) >= len(run.ledger.acked)
        assert run.ledger.baseline_ms
    _assert_clean(team_run.problems, "team")
    assert team_run.ledger.acked and team_run.ledger.reviews
    _assert_clean(matching.problems, "matching")
    report = matching.report
    assert matching.ledger.acked and report["left_records"] == report["right_records"] == 30
    assert report["candidate_pairs"] < report["possible_pairs"]
