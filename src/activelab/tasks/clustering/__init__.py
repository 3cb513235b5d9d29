"""Clustering with pair questions: "do these two belong together?"

A person answers must-link / cannot-link for chosen pairs; a constrained k-means
uses the answers; success is the adjusted Rand index (ARI) per question asked.

* :class:`PCKMeans` - soft constraints (Basu, Banerjee & Mooney 2004), robust to
  a few wrong answers; :class:`COPKMeans` - hard constraints (Wagstaff et al. 2001).
* :class:`PairConstraints` - the answers and their transitive closure; implied pairs
  are never asked; contradictory answers raise :class:`~activelab.exceptions.DataError`.
* Strategies (:data:`PAIR_STRATEGIES`): ``random``, ``uncertain-pairs``,
  ``explore-consolidate``.
* :class:`PairwiseLearner` - query / teach / re-cluster; :class:`PairOracle`
  simulates a person from true classes; :func:`simulate_pairwise` and
  :func:`run_pairwise_cell` (``activelab simulate --task clustering``, ``activelab bench``).
* :func:`candidate_pairs` - first questions before any clustering: nearest neighbours
  and random pairs, never all n² pairs.

>>> from sklearn.datasets import load_iris
>>> X, y = load_iris(return_X_y=True)
>>> result = simulate_pairwise(X, y, strategy="uncertain-pairs", batch=5, budget=10, seeds=1)
>>> result.runs[0].n_labels
[0, 5, 10]
"""

from ..answers import PAIR_ANSWER
from ..contract import TaskDefinition
from ._candidates import candidate_pairs
from ._constraints import (
    ANSWER_VALUES,
    CANNOT_LINK,
    MUST_LINK,
    UNKNOWN,
    PairConstraints,
    PairOracle,
    constraint_closure,
    parse_answers,
)
from ._kmeans import COPKMeans, PCKMeans, check_cluster_features
from ._simulate import (
    PAIRWISE_MODELS,
    PairRound,
    PairwiseLearner,
    PairwiseSimulationResult,
    clustering_metrics,
    make_pairwise_model,
    run_pairwise_cell,
    simulate_pairwise,
)
from ._strategies import (
    PAIR_STRATEGIES,
    ExploreConsolidate,
    RandomPairs,
    UncertainPairs,
    boundary_margin,
    make_pair_strategy,
)

__all__ = [
    "TASK",
    "PCKMeans",
    "COPKMeans",
    "PairConstraints",
    "PairOracle",
    "PairwiseLearner",
    "PairRound",
    "RandomPairs",
    "UncertainPairs",
    "ExploreConsolidate",
    "PAIR_STRATEGIES",
    "PAIRWISE_MODELS",
    "ANSWER_VALUES",
    "MUST_LINK",
    "CANNOT_LINK",
    "UNKNOWN",
    "boundary_margin",
    "candidate_pairs",
    "check_cluster_features",
    "clustering_metrics",
    "constraint_closure",
    "make_pair_strategy",
    "make_pairwise_model",
    "parse_answers",
    "PairwiseSimulationResult",
    "simulate_pairwise",
    "run_pairwise_cell",
]

#: The clustering task, as the registry lists it.
TASK = TaskDefinition(
    "clustering", item="a pair of items (must-link / cannot-link)", answer_kind=PAIR_ANSWER,
    default_strategy="uncertain-pairs", default_model="pckmeans", headline="ari",
    lower_is_better=False, metrics=("ari", "nmi"), strategy_names=PAIR_STRATEGIES,
    model_names=PAIRWISE_MODELS, learner_class=PairwiseLearner,
    simulate_function=simulate_pairwise, cell_function=run_pairwise_cell)
