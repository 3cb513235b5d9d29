"""Query by committee: vote entropy, KL to the consensus, bagged and given committees."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.tree import DecisionTreeClassifier
from strategy_helpers import ConstantProba, ThresholdRule

from activelab import ConfigError, Pool, SingleClassError
from activelab.models import fit_committee
from activelab.strategies import QueryByCommittee, make_strategy


def line_pool() -> Pool:
    """Items on a line: x < 0, 0 < x < 1 and x > 1, two labelled items of each class."""
    x = np.array([-3.0, -2.0, -1.0, 0.2, 0.4, 0.6, 0.8, 2.0, 3.0, 4.0, -5.0, -4.0, 5.0, 6.0])
    pool = Pool(np.column_stack([x, np.zeros_like(x)]))
    pool.teach([10, 11, 12, 13], [0, 0, 1, 1])
    return pool


def iris_pool() -> tuple[Pool, np.ndarray]:
    X, y = load_iris(return_X_y=True)
    pool = Pool(X)
    labelled = np.r_[0:50:5, 50:100:5, 100:150:5]
    pool.teach(labelled, y[labelled])
    return pool, y


def test_vote_entropy_is_zero_where_members_agree_and_maximal_where_they_split():
    pool = line_pool()
    qbc = QueryByCommittee("vote_entropy", committee=[ThresholdRule(0.0), ThresholdRule(1.0)],
                           random_state=0)
    candidates = pool.unlabeled_indices
    members = qbc.fit_committee(pool, model=None)
    values = qbc.score_with(pool, members, candidates)
    between = (pool.X[candidates, 0] > 0) & (pool.X[candidates, 0] < 1)
    np.testing.assert_allclose(values[~between], 0.0)
    np.testing.assert_allclose(values[between], np.log(2))
    # The query takes the split items first, all four of them, in a seeded random order.
    indices, chosen_scores = qbc.query(pool, ThresholdRule(), 4, return_scores=True)
    assert sorted(indices.tolist()) == [3, 4, 5, 6]
    np.testing.assert_allclose(chosen_scores, np.log(2))


def test_kl_to_consensus_equals_a_hand_computed_value():
    pool = line_pool()
    qbc = QueryByCommittee("kl", committee=[ConstantProba((0.1, 0.9)), ConstantProba((0.5, 0.5))])
    _, values = qbc.query(pool, ConstantProba(), 3, return_scores=True)
    # consensus = (0.3, 0.7)
    kl_first = 0.1 * np.log(0.1 / 0.3) + 0.9 * np.log(0.9 / 0.7)
    kl_second = 0.5 * np.log(0.5 / 0.3) + 0.5 * np.log(0.5 / 0.7)
    np.testing.assert_allclose(values, (kl_first + kl_second) / 2)


def test_a_committee_that_agrees_everywhere_scores_zero():
    pool = line_pool()
    same = [ConstantProba((0.2, 0.8)), ConstantProba((0.2, 0.8))]
    for measure in ("vote_entropy", "kl"):
        _, values = QueryByCommittee(measure, committee=same, random_state=0).query(
            pool, ConstantProba(), 5, return_scores=True)
        np.testing.assert_allclose(values, 0.0, atol=1e-12)


def test_heterogeneous_committee_of_real_models_is_cloned_and_fitted():
    pool, _ = iris_pool()
    members = [LogisticRegression(max_iter=1000), GaussianNB(), DecisionTreeClassifier()]
    qbc = QueryByCommittee("kl", committee=members, random_state=0)
    model = GaussianNB().fit(*pool.training_data())
    indices = qbc.query(pool, model, 6)
    assert len(set(indices.tolist())) == 6 and pool.unlabeled_mask[indices].all()
    assert not hasattr(members[0], "coef_"), "the given estimators must stay unfitted"
    fitted = qbc.fit_committee(pool, model)
    assert [type(m) for m in fitted] == [type(m) for m in members]
    assert fitted[2].random_state is not None, "unset seeds are drawn for reproducibility"


def test_bagged_committee_disagrees_on_the_versicolor_virginica_border():
    pool, y = iris_pool()
    model = DecisionTreeClassifier().fit(*pool.training_data())
    qbc = QueryByCommittee("vote_entropy", n_members=7, random_state=0)
    indices, values = qbc.query(pool, model, 10, return_scores=True)
    assert values[0] > 0
    # Setosa is separable: no tree of any bootstrap disagrees there.
    setosa = np.intersect1d(pool.unlabeled_indices, np.flatnonzero(y == 0))
    members = qbc.fit_committee(pool, model, 0)
    np.testing.assert_allclose(qbc.score_with(pool, members, setosa), 0.0)
    assert not np.isin(indices[values > 0], setosa).any()


def test_bagging_keeps_every_class_and_seeds_members():
    X, y = load_iris(return_X_y=True)
    X, y = X[::15], y[::15]  # 10 items, classes of 4, 3 and 3
    members = fit_committee(X, y, estimator=DecisionTreeClassifier(), n_members=6,
                            random_state=1)
    assert len(members) == 6
    for member in members:
        np.testing.assert_array_equal(member.classes_, [0, 1, 2])
        assert isinstance(member.random_state, int)
    again = fit_committee(X, y, estimator=DecisionTreeClassifier(), n_members=6, random_state=1)
    assert [m.random_state for m in members] == [m.random_state for m in again]
    with pytest.raises(SingleClassError, match="at least two classes"):
        fit_committee(X, np.zeros(len(X), dtype=int), estimator=GaussianNB())
    with pytest.raises(ConfigError, match="exactly one"):
        fit_committee(X, y)


@pytest.mark.parametrize("name", ["qbc-vote", "qbc-kl"])
def test_reproducible_for_batch_sizes_one_and_many(name):
    pool, _ = iris_pool()
    model = GaussianNB().fit(*pool.training_data())
    for batch_size in (1, 12):
        first = make_strategy(name, random_state=3, n_members=4).query(pool, model, batch_size)
        again = make_strategy(name, random_state=3, n_members=4).query(pool, model, batch_size)
        np.testing.assert_array_equal(first, again)
        assert len(np.unique(first)) == batch_size


def test_bad_parameters_raise_config_errors():
    pool, _ = iris_pool()
    model = GaussianNB().fit(*pool.training_data())
    with pytest.raises(ConfigError, match="unknown committee measure"):
        QueryByCommittee("jensen").query(pool, model)
    with pytest.raises(ConfigError, match="n_members"):
        QueryByCommittee(n_members=1).query(pool, model)
    with pytest.raises(ConfigError, match="at least two members"):
        QueryByCommittee(committee=[GaussianNB()]).query(pool, model)
