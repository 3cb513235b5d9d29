"""Record matching: field checks, duplicate generator, blocking, pair features, the
"same entity?" learner, simulation and the bench cell."""

from __future__ import annotations

import re
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from activelab import ActivelabWarning
from activelab.data import find_data_dir
from activelab.exceptions import (
    ConfigError,
    DataError,
    EmptyPoolError,
    MissingDependencyError,
    NotFittedError,
    SingleClassError,
    UnknownLabelError,
)
from activelab.tasks.matching import (
    MATCH,
    NON_MATCH,
    RecordMatcher,
    SameEntityOracle,
    as_match_label,
    block_pairs,
    blocking_report,
    build_matching_problem,
    check_fields,
    make_duplicate_records,
    match_metrics,
    mean_similarity,
    pair_features,
    run_matching_cell,
    similarity_seed,
    simulate_matching,
)
from activelab.tasks.registry import task_runner

FIELDS = {"name": "string", "city": "string", "age": "numeric"}
FIRST = ["anna", "bert", "carla", "dieter", "eva", "frank", "greta", "hans", "ines", "jonas",
         "karin", "lars", "mia", "nils", "olga", "paul"]
LAST = ["meyer", "schmidt", "schneider", "fischer", "weber", "wagner", "becker", "hoffmann",
        "koch", "richter"]
CITIES = ["Berlin", "Hamburg", "Munich", "Cologne", "Frankfurt", "Stuttgart"]


def people(n=300, seed=0):
    """Made-up person records: common names and cities, so non-matches look alike."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"name": [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(n)],
                         "city": rng.choice(CITIES, n),
                         "age": rng.integers(18, 90, n).astype(float)})


def tables(seed=0, n=100):
    return make_duplicate_records(people(3 * n, seed), FIELDS, n_left=n, n_right=n,
                                  match_fraction=0.5, random_state=seed)


# ---------------------------------------------------------------- bad input
def test_check_fields_infers_kinds_and_rejects_bad_tables_with_clear_errors():
    frame = people(10)
    assert check_fields(frame, frame, ["name", "age"]) == {"name": "string", "age": "numeric"}
    with pytest.raises(DataError, match="no column 'email'"):
        check_fields(frame, frame, ["name", "email"])
    with pytest.raises(EmptyPoolError, match="right table has no rows"):
        check_fields(frame, frame.iloc[:0], ["name"])
    with pytest.raises(DataError, match="must be a pandas DataFrame"):
        check_fields(frame.to_numpy(), None, ["name"])
    with pytest.raises(ConfigError, match="non-empty list"):
        check_fields(frame, None, [])
    with pytest.raises(ConfigError, match="kind must be one of"):
        check_fields(frame, None, {"name": "text"})
    mixed = frame.assign(name=frame["name"].astype(object))
    mixed.loc[3, "name"] = 42
    with pytest.raises(DataError, match=r"non-string values \(row 3: 42 of type int\)"):
        check_fields(frame, mixed, ["name"])
    with pytest.raises(DataError, match="declared 'string' but holds numbers"):
        check_fields(frame, None, {"age": "string"})
    with pytest.raises(DataError, match="declared 'numeric' but holds text"):
        check_fields(frame, None, {"city": "numeric"})
    with pytest.raises(DataError, match="text in one table and numeric in the other"):
        check_fields(frame, frame.assign(age=frame["age"].astype(str)), ["age"])
    with pytest.raises(DataError, match="missing in every row"):
        check_fields(frame.assign(age=np.nan), None, ["age"])
    with pytest.raises(DataError, match="boolean"):
        check_fields(frame.assign(flag=True), None, ["flag"])


def test_answers_are_read_as_match_or_non_match_and_anything_else_is_refused():
    assert [as_match_label(a) for a in (True, False, 1, 0, "match", "Non-match", " yes ",
                                        "different", None)] == [1, 0, 1, 0, 1, 0, 1, 0, None]
    for bad in ("maybe", 2, 0.5):
        with pytest.raises(UnknownLabelError, match="same entity"):
            as_match_label(bad)


def test_missing_rapidfuzz_raises_missing_dependency_with_the_pip_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "rapidfuzz", None)  # what an absent package looks like
    t = tables()
    with pytest.raises(MissingDependencyError, match=r"pip install 'activelab\[matching\]'"):
        pair_features(t.left, t.right, np.array([[0, 0]]), FIELDS)


# ---------------------------------------------------------------- generator and blocking
def test_duplicates_are_seeded_corrupted_copies_with_known_entities():
    a, b = tables(seed=3), tables(seed=3)
    pd.testing.assert_frame_equal(a.right, b.right)
    assert len(a.left) == len(a.right) == 100
    copies = np.flatnonzero(np.isin(a.right_entity, a.left_entity))
    assert len(copies) == 50 and len(set(a.right_entity[copies])) == 50
    assert a.right["age"].dtype == float and a.fields == FIELDS
    changed = sum((a.right.loc[i, "name"] != a.left.loc[a.right_entity[i], "name"])
                  for i in copies)
    assert 5 <= changed < 50  # ~30 % of the copies carry a name error
    with pytest.raises(ConfigError, match="corrupt_rate"):
        make_duplicate_records(people(), FIELDS, corrupt_rate=1.5)
    with pytest.raises(DataError, match="distinct rows"):
        make_duplicate_records(people(30), FIELDS, n_left=30, n_right=30)


def test_blocking_keeps_almost_every_match_and_reports_its_reduction():
    t = tables()
    pairs = block_pairs(t.left, t.right, FIELDS, neighbours=5)
    assert pairs.shape == (500, 2) and len(np.unique(pairs, axis=0)) == 500
    report = blocking_report(pairs, 100, 100, t.left_entity, t.right_entity)
    assert report.n_true_matches == 50 and report.recall >= 0.9
    assert report.reduction_ratio == pytest.approx(1 - 500 / 10_000)
    dedup = block_pairs(t.left, None, FIELDS, neighbours=3)
    assert (dedup[:, 0] < dedup[:, 1]).all()
    with pytest.raises(ConfigError, match="neighbours"):
        block_pairs(t.left, t.right, FIELDS, neighbours=0)


# ---------------------------------------------------------------- features
def test_pair_features_are_similarities_in_unit_range_with_missing_flags():
    pytest.importorskip("rapidfuzz")
    left = pd.DataFrame({"name": ["anna meyer", "bert koch", None], "age": [30.0, 40.0, 50.0]})
    right = pd.DataFrame({"name": ["anna meyer", "bert kohc", "carla weber"],
                          "age": [30.0, 41.0, np.nan]})
    pairs = np.array([[0, 0], [1, 1], [2, 2], [0, 2]])
    X, names = pair_features(left, right, pairs, {"name": "string", "age": "numeric"})
    assert names == ["name:ratio", "name:token_sort", "name:jaro_winkler", "name:exact",
                     "name:missing", "age:closeness", "age:exact", "age:missing"]
    assert X.shape == (4, 8) and X.min() >= 0 and X.max() <= 1
    assert X[0].tolist() == [1, 1, 1, 1, 0, 1, 1, 0]          # identical records
    assert 0.7 < X[1, 0] < 1 and X[1, 3] == 0                 # a swapped-letter typo
    assert X[2, 4] == 1 and X[2, :4].sum() == 0 and X[2, 7] == 1  # missing on a side
    assert X[0, 0] > X[3, 0]
    similarity = mean_similarity(X, names)
    assert similarity[0] == 1 and similarity[1] > similarity[3]
    assert np.isnan(similarity).sum() == 0 and similarity[2] == 0  # nothing comparable


# ---------------------------------------------------------------- the learner
def test_similarity_seed_holds_both_answers_and_is_reproducible():
    pytest.importorskip("rapidfuzz")
    problem = build_matching_problem(tables(), neighbours=5)
    seed = similarity_seed(problem.similarity, 10, random_state=1)
    assert len(seed) == 10 and set(problem.y[seed]) == {0, 1}
    assert seed.tolist() == similarity_seed(problem.similarity, 10, random_state=1).tolist()
    uniform = similarity_seed(problem.similarity, 10, method="random", random_state=1)
    assert problem.y[seed].sum() > problem.y[uniform].sum()
    with pytest.raises(ConfigError, match="seed method"):
        similarity_seed(problem.similarity, 10, method="kmeans")


def test_record_matcher_asks_same_entity_and_finds_the_duplicates():
    pytest.importorskip("rapidfuzz")
    t = tables()
    matcher = RecordMatcher(["name", "city", "age"], neighbours=5, random_state=0)
    matcher.fit(t.left, t.right)
    oracle = SameEntityOracle(matcher.pairs_, t.left_entity, t.right_entity)
    seed = matcher.initial_query(10)
    shown = matcher.question(seed[0])
    i, j = matcher.pairs_[seed[0]]
    assert shown.loc["left", "name"] == t.left.loc[i, "name"]
    assert shown.loc["right", "city"] == t.right.loc[j, "city"]
    matcher.teach(seed, [bool(a) for a in oracle.label(None, seed)])
    for _ in range(6):
        batch = matcher.query(10)
        matcher.teach(batch, ["match" if a else "non-match" for a in oracle.label(None, batch)])
    found = matcher.predict_matches()
    hits = (t.left_entity[found["left"]] == t.right_entity[found["right"]]).sum()
    assert hits / len(found) > 0.8 and hits / oracle.truth.sum() > 0.8
    with pytest.raises(ConfigError, match="block_on"):
        RecordMatcher(["name"], block_on=["city"]).fit(t.left, t.right)


def test_only_non_match_answers_fall_back_to_the_most_similar_pairs():
    pytest.importorskip("rapidfuzz")
    t = tables()
    matcher = RecordMatcher(FIELDS, neighbours=5, random_state=0).fit(t.left, t.right)
    least = np.argsort(matcher.similarity_)[:5]
    matcher.teach(least, [False] * 5)
    with pytest.raises(SingleClassError, match="at least one 'same entity'"):
        matcher.predict_matches()
    with pytest.warns(ActivelabWarning, match="'different'; asking about the most similar"):
        asked = matcher.query(5)
    unlabeled = matcher.learner_.pool.unlabeled_indices
    top = np.sort(matcher.similarity_[unlabeled])[-5:]
    assert np.sort(matcher.similarity_[asked]).tolist() == top.tolist()


def test_learner_run_with_the_same_entity_oracle():
    pytest.importorskip("rapidfuzz")
    t = tables()
    matcher = RecordMatcher(FIELDS, neighbours=5, strategy="random",
                            random_state=0).fit(t.left, t.right)
    oracle = SameEntityOracle(matcher.pairs_, t.left_entity, t.right_entity)
    seed = matcher.initial_query(10)
    matcher.teach(seed, oracle.label(None, seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ActivelabWarning)
        matcher.learner_.run(oracle, batch_size=10, stopping=[_Budget(40)])
    assert matcher.learner_.pool.n_labeled == 40 and oracle.n_queries_ == 40


class _Budget:
    def __init__(self, n):
        self.n = n

    def check(self, learner):
        return "budget" if learner.pool.n_labeled >= self.n else None


# ---------------------------------------------------------------- simulation
def test_match_metrics_report_f1_per_label():
    m = match_metrics([1, 1, 0, 0, 0], [1, 0, 1, 0, 0])
    assert m == pytest.approx({"f1": 0.5, "precision": 0.5, "recall": 0.5,
                               "f1_non_match": 2 / 3})
    assert match_metrics([1, 0], [0, 0])["f1"] == 0.0  # "no matches" scores 0, not NaN
    with pytest.raises(DataError, match="shape"):
        match_metrics([1, 0], [1])


def test_simulation_is_reproducible_and_reports_references():
    pytest.importorskip("rapidfuzz")
    problem = build_matching_problem(tables(), neighbours=5)
    kwargs = dict(strategy="margin", initial=6, batch=8, budget=30, seeds=1)
    runs = simulate_matching(problem, **kwargs)
    again = simulate_matching(problem, **kwargs)
    assert runs[0].metrics == again[0].metrics
    curves = runs[0].to_curves()
    assert curves.n_labels == [6, 14, 22, 30]
    assert set(curves.metrics) == {"f1", "precision", "recall", "f1_non_match"}
    ref = curves.reference
    assert ref["full_f1"] > 0.7 and ref["blocking_recall"] >= 0.9
    assert 0 < ref["match_rate"] < 0.2 and 0 <= ref["threshold_f1"] <= 1
    assert max(curves.metrics["f1"]) > 0.5
    random_runs = simulate_matching(problem, **{**kwargs, "strategy": "random"})
    assert random_runs[0].metrics["f1"][0] == runs[0].metrics["f1"][0]  # same seed set


def test_simulation_rejects_bad_settings():
    pytest.importorskip("rapidfuzz")
    problem = build_matching_problem(tables(), neighbours=5)
    with pytest.raises(ConfigError, match="budget"):
        simulate_matching(problem, initial=10, budget=5)
    with pytest.raises(ConfigError, match="unknown"):
        simulate_matching(problem, strategy="psychic")
    with pytest.raises(ConfigError, match="pair classifier"):
        simulate_matching(problem, model="oracle")
    problem.y = np.zeros_like(problem.y)  # entity ids that never match
    with pytest.raises(SingleClassError, match="0 of 500 candidate pairs are matches"):
        simulate_matching(problem)


def test_bench_cell_is_registered_and_rejects_unknown_data():
    assert task_runner("matching") is run_matching_cell
    with pytest.raises(ConfigError, match=r"adult\[:N\[:CORRUPT\]\]"):
        run_matching_cell("iris", model=None, strategy="margin", seed=0, initial=10,
                          batch=10, budget=20, test_size=0.25, master_seed=0)


@pytest.mark.slow
@pytest.mark.timeout(1200)  # a bench cell on real records
def test_bench_cell_on_adult_records_margin_beats_random():
    pytest.importorskip("rapidfuzz")
    if find_data_dir() is None or not (find_data_dir() / "adult").is_dir():
        pytest.skip("shared data folder with adult/ not found")
    kwargs = dict(model=None, seed=0, initial=10, batch=10, budget=150, test_size=0.25,
                  master_seed=0)
    margin = run_matching_cell("adult:600", strategy="margin", **kwargs)
    random = run_matching_cell("adult:600", strategy="random", **kwargs)
    assert margin.reference["blocking_recall"] > 0.95
    assert margin.metrics["f1"][0] == random.metrics["f1"][0]  # same seed set
    assert np.mean(margin.metrics["f1"]) > np.mean(random.metrics["f1"])
    assert margin.metrics["f1"][-1] >= 0.9 * margin.reference["full_f1"]
    assert NON_MATCH == 0 and MATCH == 1


def _stored(name_left, name_right, born_left, born_right) -> dict:
    return {"left": {"id": "l", "fields": {"name": name_left, "born": born_left}},
            "right": {"id": "r", "fields": {"name": name_right, "born": born_right}},
            "kinds": {"name": "string", "born": "numeric"}}


def test_the_pair_featurizer_compares_new_pairs_on_the_training_scale():
    from activelab.tasks.matching import PairFeaturizer, build_pair_features, stored_records

    stored = [_stored("Ada Lovelace", "Ada Lovelase", 1815, 1815),
              _stored("Alan Turing", "Grace Hopper", 1912, 1906),
              _stored("Edsger", None, "", 1930), _stored("Tim", "Tim", 1955, 1990)]
    X = build_pair_features("pair", stored)
    featurizer = PairFeaturizer({"name": "string", "born": "numeric"})
    np.testing.assert_array_equal(featurizer.fit_transform(stored_records(stored)), X)
    assert featurizer.scales_["born"] == pytest.approx(
        np.nanstd([1815, 1912, np.nan, 1955, 1815, 1906, 1930, 1990]))
    # One pair alone is compared as among the training pairs, not on its own scale.
    alone = featurizer.transform(stored_records(stored[3:]))
    np.testing.assert_array_equal(alone, X[3:])
    assert list(featurizer.get_feature_names_out()) == [
        "name:ratio", "name:token_sort", "name:jaro_winkler", "name:exact", "name:missing",
        "born:closeness", "born:exact", "born:missing"]


@pytest.mark.parametrize(("pairs", "message"), [
    ("Ada", "pairs must be a list"),
    ([], "no pairs to compare"),
    (["Ada"], "pair 0 is a str"),
    ([{"left": {"name": "Ada", "born": 1}}], "pair 0: 'right' is missing"),
    ([{"left": {"name": "Ada", "born": 1}, "right": ["Ada"]}], "'right' is a list"),
    ([{"left": {"name": "Ada", "born": "x"}, "right": {}}], "left 'born' is 'x', not a number"),
    ([{"left": {"name": {"a": 1}, "born": 1}, "right": {}}], "left 'name' is a dict"),
    ([{"left": {"name": "Ada", "born": True}, "right": {}}], "left 'born' is a bool"),
])
def test_the_pair_featurizer_refuses_malformed_pairs(pairs, message):
    from activelab.tasks.matching import PairFeaturizer

    featurizer = PairFeaturizer({"name": "string", "born": "numeric"}).fit(
        [{"left": {"name": "Ada", "born": 1815}, "right": {"name": "Ada", "born": 1816}}])
    with pytest.raises(DataError, match=re.escape(message)):
        featurizer.transform(pairs)


def test_the_pair_featurizer_needs_fields_and_a_fit():
    from activelab.tasks.matching import PairFeaturizer

    pairs = [{"left": {"name": "Ada"}, "right": {"name": "Ada"}}]
    with pytest.raises(ConfigError, match="needs the compared fields"):
        PairFeaturizer().fit(pairs)
    with pytest.raises(ConfigError, match="unknown field kind"):
        PairFeaturizer({"name": "date"}).fit(pairs)
    with pytest.raises(NotFittedError):
        PairFeaturizer({"name": "string"}).transform(pairs)
