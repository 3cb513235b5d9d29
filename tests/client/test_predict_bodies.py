"""The predict request bodies the client builds from what it is given."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from activelab.client._payload import predict_bodies
from activelab.exceptions import DataError


def test_pairs_of_records_become_pairs_with_json_values():
    pairs = [{"left": {"name": "Ada", "born": np.int64(1815)},
              "right": {"name": "Ada L.", "born": np.nan}}] * 1001
    bodies = list(predict_bodies(pairs))
    assert [len(body["pairs"]) for body in bodies] == [1000, 1]
    assert bodies[0]["pairs"][0] == {"left": {"name": "Ada", "born": 1815},
                                     "right": {"name": "Ada L.", "born": None}}
    assert type(bodies[0]["pairs"][0]["left"]["born"]) is int


@pytest.mark.parametrize("bad", [{"left": {"name": "Ada"}, "right": "Ada"},
                                 {"left": {"name": "Ada"}}, ["Ada", "Ada"]])
def test_a_malformed_pair_is_refused_before_any_request(bad):
    good = {"left": {"name": "Ada"}, "right": {"name": "Ada"}}
    with pytest.raises(DataError, match=r"pairs\[1\] is not"):
        list(predict_bodies([good, bad]))


def test_rows_stay_rows():
    body = next(predict_bodies(pd.DataFrame({"a": [1.0, None]})))
    assert body == {"rows": [{"a": 1.0}, {"a": None}]}
