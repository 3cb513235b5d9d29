"""Weak supervision: keyword LFs, vote aggregation, rule mining, the comparison with AL."""

from __future__ import annotations

import math

import numpy as np
import pytest

from activelab.data import Dataset, find_data_dir
from activelab.exceptions import (
    ConfigError,
    DataError,
    NotFittedError,
    SingleClassError,
    UnknownLabelError,
)
from activelab.tasks.registry import get_task, task_runner
from activelab.tasks.weak_supervision import (
    ABSTAIN,
    HANDWRITTEN_RULES,
    KeywordLF,
    LabelModel,
    LFSet,
    handwritten_rules,
    lf_majority_vote,
    lf_summary,
    mine_keyword_rules,
    run_weak_supervision_cell,
    simulate_weak_supervision,
    weak_label_pool,
)
from model_zoo import make_texts

needs_data = pytest.mark.skipif(find_data_dir() is None, reason="../shared/data is absent")


def topic_dataset(n=300, seed=0, name="topics"):
    texts, labels = make_texts(n, seed)
    X = np.empty(n, dtype=object)
    X[:] = texts
    return Dataset(name, X, labels, kind="text", task="classification")


# -- labeling functions ---------------------------------------------------------------------

def test_keyword_lf_matches_whole_words_case_insensitively_and_phrases():
    lf = KeywordLF(["win", "how many", "£"], "x")
    assert lf("WIN now") == "x" and lf("window") is None and lf("twin") is None
    assert lf("How   many\tcats?") == "x" and lf("how manyfold") is None
    assert lf("only £5") == "x" and lf("nothing here") is None
    assert KeywordLF("free", "spam").keywords == ("free",)
    assert KeywordLF(["Free "], 1).name == "1:free"


@pytest.mark.parametrize("keywords, label, match", [
    ([], "spam", "non-empty list"),
    (["ok", ""], "spam", "non-empty list"),
    (["ok", 3], "spam", "non-empty list"),
    (None, "spam", "non-empty list"),
    (["ok"], None, "needs a label"),
    (["ok"], float("nan"), "needs a label"),
    (["ok"], ["list"], "hashable"),
])
def test_keyword_lf_rejects_bad_definitions(keywords, label, match):
    with pytest.raises(ConfigError, match=match):
        KeywordLF(keywords, label)


def test_lfset_vote_matrix_fast_path_equals_regex_path():
    texts, _ = make_texts(300, seed=3)
    texts = texts + ["Pasta!", "PASTA-bread", "pastas", "a b c", "", "ß straße Straße", "ok_ok"]
    lfs = LFSet([KeywordLF(["pasta", "bread"], "food"), KeywordLF(["code", "a"], "tech"),
                 KeywordLF(["straße"], "tech"), KeywordLF(["ok_ok", "of and"], "food")])
    votes = lfs.apply(texts)
    assert votes.shape == (len(texts), 4) and votes.dtype == np.int32
    for j, lf in enumerate(lfs.lfs):
        expected = np.where(lf.matches(texts), lfs.classes_.index(lf.label), ABSTAIN)
        np.testing.assert_array_equal(votes[:, j], expected)
    assert votes[-7:, 0].tolist() == [0, 0, -1, -1, -1, -1, -1]


def test_lfset_declared_classes_and_bad_input():
    lfs = LFSet([KeywordLF("free", "spam")], classes=["ham", "spam", "promo"])
    assert lfs.apply(["free!", "no"]).tolist() == [[1], [-1]]
    with pytest.raises(UnknownLabelError, match="not among the declared classes"):
        LFSet([KeywordLF("free", "spam")], classes=["ham"])
    with pytest.raises(ConfigError, match="at least one"):
        LFSet([])
    with pytest.raises(ConfigError, match="must be KeywordLF"):
        LFSet([lambda text: "spam"])
    with pytest.raises(DataError, match="not one string"):
        lfs.apply("free stuff")
    with pytest.raises(DataError, match="no texts"):
        lfs.apply([])
    with pytest.raises(DataError, match="item 1 is float"):
        lfs.apply(["ok", float("nan")])
    with pytest.raises(UnknownLabelError):
        lfs.summary(["free"], ["eggs"])


def test_lf_summary_figures():
    votes = np.array([[1, 1, -1],
                      [1, 0, -1],
                      [-1, 0, 0],
                      [-1, -1, -1]])
    frame = lf_summary(votes, y=np.array([1, 0, 0, -1]), names=["a", "b", "c"],
                       classes=["ham", "spam"])
    assert frame.index.tolist() == ["a", "b", "c"]
    assert frame["polarity"].tolist() == [["spam"], ["ham", "spam"], ["ham"]]
    np.testing.assert_allclose(frame["coverage"], [0.5, 0.75, 0.25])
    np.testing.assert_allclose(frame["overlaps"], [0.5, 0.75, 0.25])
    np.testing.assert_allclose(frame["conflicts"], [0.25, 0.25, 0.0])
    assert frame["correct"].tolist() == [1, 3, 1] and frame["incorrect"].tolist() == [1, 0, 0]
    np.testing.assert_allclose(frame["emp_accuracy"], [0.5, 1.0, 1.0])
    assert math.isnan(lf_summary(votes, y=np.full(4, -1))["emp_accuracy"].iloc[0])
    with pytest.raises(DataError, match="2 names for 3"):
        lf_summary(votes, names=["a", "b"])
    with pytest.raises(DataError, match="expected"):
        lf_summary(votes, y=[1, 0])


@pytest.mark.parametrize("votes, match", [
    ([1, 0, -1], "2-D"),
    (np.zeros((0, 3)), "no items"),
    ([[0.5, 1]], "integer"),
    ([[np.nan, 1]], "integer"),
    ([["a", "b"]], "integer class positions"),
    ([[-2, 0]], "-1"),
    ([[0, 2]], "only 2 classes"),
])
def test_votes_are_validated(votes, match):
    with pytest.raises(DataError, match=match):
        lf_majority_vote(votes, n_classes=2)


def test_sparse_votes_are_refused():
    from scipy import sparse

    with pytest.raises(DataError, match="dense"):
        lf_summary(sparse.csr_matrix(np.eye(3)))


# -- aggregation ----------------------------------------------------------------------------

def test_majority_vote_abstains_on_ties_and_silence():
    votes = [[2, 2, 1], [0, 1, -1], [-1, -1, -1], [-1, 1, -1], [0.0, 0.0, 1.0]]
    assert lf_majority_vote(votes, n_classes=3).tolist() == [2, -1, -1, 1, 0]
    with pytest.raises(ConfigError, match="at least 2"):
        lf_majority_vote([[0]], n_classes=1)
    with pytest.raises(ConfigError, match="must be an int"):
        lf_majority_vote([[0]], n_classes="2")


def noisy_votes(n=3000, seed=0):
    """Two good one-sided rules per class, then three rules that fire at random voting 1.

    (With only one good rule per class the model is not identifiable: two binary
    votes cannot pin down a class prior and four firing rates.)
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)
    votes = np.full((n, 7), ABSTAIN)
    for j, label in enumerate((1, 1, 0, 0)):
        fires = rng.random(n) < np.where(y == label, 0.5, 0.03)
        votes[:, j] = np.where(fires, label, ABSTAIN)
    for j in (4, 5, 6):
        votes[:, j] = np.where(rng.random(n) < 0.3, 1, ABSTAIN)
    return votes, y


def test_label_model_learns_to_ignore_uninformative_rules_where_majority_vote_cannot():
    votes, y = noisy_votes()
    model = LabelModel().fit(votes, n_classes=2)
    lm, mv = model.predict(votes), lf_majority_vote(votes, n_classes=2)
    # Where a good rule voted (elsewhere nothing beats a coin flip), majority vote is
    # outvoted by the random rules; the label model learned to ignore them.
    good = (votes[:, :4] != ABSTAIN).any(axis=1)
    lm_acc, mv_acc = np.mean(lm[good] == y[good]), np.mean(mv[good] == y[good])
    assert lm_acc > 0.95 and lm_acc > mv_acc + 0.1
    tables = model.lf_tables_  # (lf, true class, output)
    assert tables[0, 1, 1] > 0.5 > 0.1 > tables[0, 0, 1]   # the good rule fires on its class
    for j in (4, 5, 6):                                       # random rules: same rate for both
        assert abs(tables[j, 1, 1] - tables[j, 0, 1]) < 0.05
    np.testing.assert_allclose(tables.sum(axis=2), 1.0)
    assert model.predict_proba(votes).shape == (len(y), 2)
    assert (model.predict(votes, abstain_uncovered=False) != ABSTAIN).all()
    assert 1 <= model.n_iter_ <= 100


def test_label_model_clamps_gold_and_weak_label_pool_keeps_gold():
    votes, y = noisy_votes(n=500, seed=1)
    gold = np.full(len(y), ABSTAIN)
    gold[:50] = 1 - y[:50]  # deliberately wrong gold: it must still win on those items
    for aggregator in ("majority", "label-model"):
        labels = weak_label_pool(votes, n_classes=2, aggregator=aggregator, gold=gold)
        np.testing.assert_array_equal(labels[:50], gold[:50])
    # Gold labels hold the learned prior inside their 95 % interval: 5 of 50 gold items
    # are class 1, so the prior cannot reach the 50 % the votes alone suggest.
    gold = np.full(len(y), ABSTAIN)
    gold[:50] = np.r_[np.ones(5, int), np.zeros(45, int)]
    bounded = LabelModel().fit(votes, n_classes=2, y=gold).class_prior_
    free = LabelModel(prior_from_gold=False).fit(votes, n_classes=2, y=gold).class_prior_
    assert bounded[1] < 0.25 < free[1]
    with pytest.raises(ConfigError, match="unknown aggregator 'snorkel'"):
        weak_label_pool(votes, n_classes=2, aggregator="snorkel")


def test_label_model_bad_input():
    with pytest.raises(NotFittedError, match="not fitted"):
        LabelModel().predict([[0, 1]])
    for params, match in (({"max_iter": 0}, "max_iter"), ({"tol": 0}, "tol"),
                          ({"smoothing": -1}, "smoothing"),
                          ({"prior_from_gold": "yes"}, "prior_from_gold")):
        with pytest.raises(ConfigError, match=match):
            LabelModel(**params).fit([[0, 1]], n_classes=2)
    with pytest.raises(DataError, match="3 entries for 2 items"):
        LabelModel().fit([[0, 1], [1, -1]], n_classes=2, y=[0, 1, 1])
    model = LabelModel().fit([[0, 1], [1, -1]], n_classes=2)
    with pytest.raises(DataError, match="fitted on 2"):
        model.predict([[0, 1, 1]])


# -- rules ----------------------------------------------------------------------------------

def test_mined_rules_need_support_precision_and_to_beat_the_base_rate():
    texts = ["ok see you", "ok home", "ok later", "ok call me", "call now free",
             "free prize call", "free entry", "ok fine"]
    labels = ["ham", "ham", "ham", "ham", "spam", "spam", "spam", "ham"]
    rules = mine_keyword_rules(texts, labels)
    # "ok": 5/5 ham; "free": 3/3 spam; "call": 2/3 spam is below the 0.8 floor.
    assert rules.names_ == ["ham:ok", "spam:free"]
    assert mine_keyword_rules(texts, labels, min_precision=0.6).names_ == [
        "ham:ok", "spam:free", "spam:call"]
    # "aa" is 90 % class 0, above the floor, but no better than the base rate of 90 %.
    assert mine_keyword_rules(["aa"] * 9 + ["aa zz"], [0] * 9 + [1],
                              min_support=1).names_ == ["1:zz"]
    assert mine_keyword_rules(["x", "y"], [0, 1]) is None  # no two-letter words at all
    assert mine_keyword_rules(texts, labels, max_rules_per_class=1, min_precision=0.6).names_ \
        == ["ham:ok", "spam:free"]


@pytest.mark.parametrize("kwargs, error, match", [
    ({"labels": ["ham"]}, DataError, "8 texts but 1 labels"),
    ({"min_precision": 0.5}, ConfigError, "min_precision"),
    ({"min_support": 0}, ConfigError, "min_support"),
    ({"max_rules_per_class": 2.5}, ConfigError, "max_rules_per_class"),
    ({"classes": ["ham"]}, UnknownLabelError, "declared classes"),
])
def test_rule_miner_bad_input(kwargs, error, match):
    args = {"texts": ["ok"] * 8, "labels": ["ham"] * 7 + ["spam"], **kwargs}
    with pytest.raises(error, match=match):
        mine_keyword_rules(args.pop("texts"), args.pop("labels"), **args)


def test_handwritten_rules():
    rules = handwritten_rules("sms_spam")
    assert len(rules) == sum(len(words) for words in HANDWRITTEN_RULES["sms_spam"].values())
    assert rules.apply(["WINNER! Claim your prize", "ok see you at home"]).tolist()[0].count(
        rules.classes_.index("spam")) == 3
    assert len(handwritten_rules("trec")) > 20
    with pytest.raises(ConfigError, match="no hand-written rules for 'mnist'"):
        handwritten_rules("mnist")


# -- the comparison -------------------------------------------------------------------------

def test_simulation_shares_splits_counts_effort_and_is_reproducible():
    dataset = topic_dataset()
    rules = LFSet([KeywordLF(["pasta", "bread", "cheese"], "food"),
                   KeywordLF(["code", "software"], "tech")])
    kwargs = dict(initial=8, batch=8, budget=40, seeds=2, rules=rules, labels_per_keyword=4)
    strategies = ["lf-majority", "lf-label-model", "lf-hand-majority", "random", "margin"]
    result = simulate_weak_supervision(dataset, strategies=strategies, **kwargs)
    again = simulate_weak_supervision(dataset, strategies=["lf-label-model", "margin"],
                                      **{**kwargs, "seeds": 1})
    assert [r.curves.metrics for r in again.runs] == [
        r.curves.metrics for r in result.runs if r.seed == 0 and r.strategy in
        ("lf-label-model", "margin")]
    for seed in (0, 1):
        runs = {r.strategy: r for r in result.runs if r.seed == seed}
        for name in ("lf-majority", "lf-label-model", "random", "margin"):
            assert runs[name].curves.n_labels == [8, 16, 24, 32, 40]
            assert runs[name].n_gold == runs[name].curves.n_labels
        # 5 keywords x 4 labels = 20: the hand rules start where effort - 20 >= seed set.
        hand = runs["lf-hand-majority"]
        assert hand.curves.n_labels == [32, 40] and hand.n_gold == [12, 20]
        assert hand.curves.reference["rule_effort"] == 20
        # AL and LF pipelines start from the same seed set, split, features and end model:
        # with no rule mined from 8 labels they would agree exactly; with rules they cover more.
        assert runs["lf-majority"].weak_coverage[-1] > 0.3
        assert runs["lf-majority"].weak_accuracy[-1] > 0.8
        assert runs["random"].weak_coverage == [0.0] * 5
        assert runs["lf-label-model"].curves.reference["full_accuracy"] == \
            runs["margin"].curves.reference["full_accuracy"]
    assert result.at_effort("lf-hand-majority", 20) != result.at_effort("lf-hand-majority", 20)
    assert 0 < result.at_effort("lf-label-model", 35) <= 1
    assert 0 < result.mean_aulc("random", "macro_f1") <= 1
    with pytest.raises(ConfigError, match="no runs of 'entropy'"):
        result.of("entropy")
    with pytest.raises(ConfigError, match="unknown metric"):
        result.at_effort("random", 40, "rmse")


def test_simulation_bad_input():
    dataset = topic_dataset(n=60)
    with pytest.raises(ConfigError, match="unknown strategy 'lf-snorkel'"):
        simulate_weak_supervision(dataset, strategies=["lf-snorkel"])
    with pytest.raises(ConfigError, match="name at least one"):
        simulate_weak_supervision(dataset, strategies=[])
    with pytest.raises(ConfigError, match="unknown model 'bert'"):
        simulate_weak_supervision(dataset, model="bert")
    with pytest.raises(ConfigError, match="budget"):
        simulate_weak_supervision(dataset, initial=20, budget=10)
    with pytest.raises(ConfigError, match="test_size"):
        simulate_weak_supervision(dataset, test_size=1.5)
    with pytest.raises(ConfigError, match="seeds"):
        simulate_weak_supervision(dataset, seeds=0)
    with pytest.raises(ConfigError, match="none are written for 'topics'"):
        simulate_weak_supervision(dataset, strategies=["lf-hand-majority"])
    rules = LFSet([KeywordLF(["pasta", "bread", "cheese"], "food")])
    with pytest.raises(ConfigError, match="cost 15 labels"):
        simulate_weak_supervision(dataset, strategies=["lf-hand-majority"], rules=rules,
                                  labels_per_keyword=5, initial=10, budget=20)
    with pytest.raises(ConfigError, match="must be an LFSet"):
        simulate_weak_supervision(dataset, strategies=["lf-hand-majority"], rules=["pasta"])
    tabular = Dataset("numbers", np.zeros((10, 2)), np.arange(10) % 2, kind="tabular",
                      task="classification")
    with pytest.raises(ConfigError, match="needs a text dataset"):
        simulate_weak_supervision(tabular)
    one_class = Dataset("one", dataset.X, np.array(["food"] * 60), kind="text",
                        task="classification")
    with pytest.raises(SingleClassError, match="single class 'food'"):
        simulate_weak_supervision(one_class)
    X = dataset.X.copy()
    X[3] = None
    with pytest.raises(DataError, match="must be a string"):
        simulate_weak_supervision(Dataset("holes", X, dataset.y, kind="text",
                                          task="classification"))


def test_cell_runner_is_registered_and_fails_early_on_bad_names():
    assert task_runner("weak-supervision") is run_weak_supervision_cell
    found = get_task("weak-supervision")
    assert (found.default_model, found.default_strategy, found.headline) == (
        "logreg", "lf-label-model", "accuracy")
    common = dict(model=None, seed=0, initial=10, batch=10, budget=50, test_size=0.25,
                  master_seed=0)
    with pytest.raises(ConfigError, match="unknown strategy"):
        run_weak_supervision_cell("sms_spam", strategy="lf-bogus", **common)
    with pytest.raises(ConfigError, match="unknown model"):
        run_weak_supervision_cell("sms_spam", strategy="random", **{**common, "model": "gpt"})
    with pytest.raises(ConfigError, match="needs a text dataset"):
        run_weak_supervision_cell("sklearn:iris", strategy="lf-majority", **common)
    with pytest.raises(ConfigError, match="seed must be"):
        run_weak_supervision_cell("sms_spam", strategy="random", **{**common, "seed": -1})


@needs_data
@pytest.mark.slow
@pytest.mark.timeout(1200)  # every strategy on the real SMS corpus
def test_cell_runner_on_sms_spam_every_strategy_same_start():
    common = dict(model=None, seed=1, initial=20, batch=40, budget=100, test_size=0.25,
                  master_seed=0)
    curves = {s: run_weak_supervision_cell("sms_spam", strategy=s, **common)
              for s in ("lf-label-model", "lf-hand-label-model", "random", "margin")}
    for name in ("lf-label-model", "random", "margin"):
        assert curves[name].n_labels == [20, 60, 100]
        assert set(curves[name].metrics) == {"accuracy", "balanced_accuracy", "macro_f1"}
    assert curves["random"].metrics["accuracy"][0] == curves["margin"].metrics["accuracy"][0]
    hand = curves["lf-hand-label-model"]
    assert hand.reference["rule_effort"] == 63 and hand.n_labels == [100]
    # Hand-written spam rules alone already train a useful model (ham is 87 %).
    assert hand.reference["rules_only_accuracy"] > 0.9
    full = {c.reference["full_accuracy"] for c in curves.values()}
    assert len(full) == 1 and full.pop() > 0.95


@needs_data
@pytest.mark.slow
def test_simulate_task_cli_path_on_trec():
    from activelab.tasks.simulate import simulate_task

    results, metric, lower = simulate_task(
        "weak-supervision", "trec", target=None, text_column=None, model=None,
        strategies=["lf-majority", "random"], initial=20, batch=40, budget=100, seeds=1,
        test_size=0.25, master_seed=0)
    assert metric == "accuracy" and lower is False
    assert [r.strategy for r in results] == ["lf-majority", "random"]
    assert all(r.runs[0].curves.n_labels == [20, 60, 100] for r in results)
    with pytest.raises(ConfigError, match="--target is not used"):
        simulate_task("weak-supervision", "trec", target="label", text_column=None, model=None,
                      strategies=["random"], initial=20, batch=40, budget=100, seeds=1,
                      test_size=0.25, master_seed=0)
