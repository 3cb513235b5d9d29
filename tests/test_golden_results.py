"""No behaviour change: fixed-seed runs of every task give the recorded curves.

The cases and the recording script live in ``tests/golden/make_golden.py``; the
recorded results in ``tests/golden/results.json``. A failure here means a change
altered what a simulation computes: fix it, or, when the change is intended,
re-record with ``python tests/golden/make_golden.py NAME`` and say why in the commit.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

_SCRIPT = Path(__file__).parent / "golden" / "make_golden.py"
_spec = importlib.util.spec_from_file_location("make_golden", _SCRIPT)
assert _spec is not None and _spec.loader is not None
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)

RECORDED = json.loads(golden.GOLDEN_FILE.read_text())


def test_every_case_is_recorded():
    assert sorted(RECORDED) == sorted(golden.CASES)


@pytest.mark.parametrize("name", sorted(golden.CASES))
def test_fixed_seed_results_are_unchanged(name):
    problems = golden.differences(RECORDED[name], golden.run_case(name))
    assert not problems, f"{len(problems)} differences, first: " + "; ".join(problems[:5])


def test_the_comparison_catches_a_change_in_the_last_digits():
    recorded = {"curve": [0.5, float("nan")], "name": "x"}
    assert golden.differences(recorded, {"curve": [0.5, float("nan")], "name": "x"}) == []
    assert golden.differences(recorded, {"curve": [0.5 + 1e-7, float("nan")], "name": "x"})
    assert golden.differences(recorded, {"curve": [0.5], "name": "x"})
    assert golden.differences(recorded, {"curve": [0.5, 0.1], "name": "x"})
    assert golden.differences(recorded, {"curve": [0.5, float("nan")], "name": "y"})
