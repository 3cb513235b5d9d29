"""Record matching ("auto-mapping"): which rows of two tables are the same entity?

Entity-resolution style, in four steps:

1. *Blocking* (:func:`block_pairs`): each right row keeps its nearest left rows by
   TF-IDF character n-grams of a few fields, so only a small share of all pairs is
   ever compared (:func:`blocking_report`: recall and reduction ratio).
2. *Pair features* (:func:`pair_features`): per field string similarities
   (rapidfuzz ratio, token-sort ratio, Jaro-Winkler, exact, missing) or numeric
   closeness.  Needs the optional extra: ``pip install 'activelab[matching]'``.
3. *A classifier* on the pairs: they form an ordinary :class:`~activelab.Pool` with
   classes 0 (different) / 1 (match), so every strategy of the library applies.
4. *Questions*: the learner (:class:`PairLearner`) asks about the pairs its model
   is least sure of: "same entity?".

:class:`RecordMatcher` runs the four steps on two DataFrames; :func:`simulate_matching`
and :func:`run_matching_cell` measure it on a benchmark with known duplicates
(:func:`load_adult_records`: UCI Adult rows re-keyed with typos, abbreviations,
jitter and gaps).

>>> import pandas as pd
>>> left = pd.DataFrame({"name": ["Ada Lovelace", "Alan Turing", "Grace Hopper"],
...                      "city": ["London", "London", "New York"]})
>>> right = pd.DataFrame({"name": ["Grace Hoper", "Alan Turing", "Ada King"],
...                       "city": ["New York", "Wilmslow", "London"]})
>>> matcher = RecordMatcher(["name", "city"], neighbours=2, random_state=0).fit(left, right)
>>> matcher.pairs_.shape
(6, 2)
>>> seed = matcher.initial_query(4)
>>> matcher.question(seed[0]).shape
(2, 2)
"""

from ...strategies import available_strategies
from ..answers import PAIR_ANSWER
from ..contract import ServerHooks, TaskDefinition
from ._featurizer import PairFeaturizer
from ._learner import (
    MATCH,
    MATCHING_MODELS,
    NON_MATCH,
    SEED_METHODS,
    PairLearner,
    SameEntityOracle,
    SimilarityRanking,
    as_match_label,
    make_matching_model,
    similarity_seed,
)
from ._matcher import RecordMatcher
from ._pairs import BlockingReport, block_pairs, blocking_report, mean_similarity, pair_features
from ._records import (
    ADULT_FIELDS,
    RecordTables,
    check_fields,
    load_adult_records,
    make_duplicate_records,
)
from ._serve import (
    PAIR_KIND,
    build_pair_features,
    describe_guess,
    model_kind,
    stored_records,
    train,
)
from ._simulate import (
    MatchingProblem,
    MatchingRunResult,
    build_matching_problem,
    match_metrics,
    run_matching_cell,
    simulate_matching,
)

__all__ = ["TASK", "RecordMatcher", "PairFeaturizer", "match_metrics", "block_pairs",
           "blocking_report",
           "BlockingReport", "pair_features", "mean_similarity", "check_fields",
           "make_duplicate_records", "load_adult_records", "RecordTables", "ADULT_FIELDS",
           "PairLearner", "SimilarityRanking", "SameEntityOracle", "similarity_seed",
           "as_match_label", "make_matching_model", "MATCHING_MODELS", "SEED_METHODS",
           "MATCH", "NON_MATCH", "simulate_matching", "run_matching_cell",
           "MatchingRunResult", "MatchingProblem", "build_matching_problem", "PAIR_KIND",
           "build_pair_features", "stored_records", "train", "describe_guess", "model_kind"]

#: The record-matching task, as the registry lists it.
TASK = TaskDefinition(
    "matching", item="a candidate pair of records (left, right)", answer_kind=PAIR_ANSWER,
    default_strategy="margin", default_model="logreg", headline="f1", lower_is_better=False,
    metrics=("f1", "precision", "recall", "f1_non_match"),
    strategy_names=available_strategies, model_names=MATCHING_MODELS,
    learner_class=PairLearner, simulate_function=simulate_matching,
    cell_function=run_matching_cell,
    server_hooks=ServerHooks(model_kind=model_kind, build_features=build_pair_features,
                             train=train, describe_guess=describe_guess))
