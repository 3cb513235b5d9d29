"""activelab: active learning that does the whole job.

Start from a few labels, train, let a query strategy pick the most
informative items, have them labelled, retrain, repeat, stop when good enough.
"""

from .estimator import ActiveLearningClassifier
from .exceptions import (
    ActivelabError,
    ActivelabWarning,
    ConfigError,
    DataError,
    EmptyPoolError,
    InvalidFeaturesError,
    MissingDependencyError,
    NotFittedError,
    OracleStopped,
    PoolExhaustedError,
    SingleClassError,
    UnknownLabelError,
)
from .initial import initial_indices
from .learner import ActiveLearner, Round
from .oracles import SimulatedOracle, TerminalOracle
from .pool import Pool
from .stopping import LabelBudget, MaxUncertainty, StabilizingPredictions

__version__ = "0.1.0"

__all__ = [
    "ActiveLearner",
    "ActiveLearningClassifier",
    "Round",
    "Pool",
    "initial_indices",
    "SimulatedOracle",
    "TerminalOracle",
    "LabelBudget",
    "StabilizingPredictions",
    "MaxUncertainty",
    "ActivelabError",
    "ActivelabWarning",
    "ConfigError",
    "DataError",
    "EmptyPoolError",
    "InvalidFeaturesError",
    "MissingDependencyError",
    "NotFittedError",
    "OracleStopped",
    "PoolExhaustedError",
    "SingleClassError",
    "UnknownLabelError",
    "__version__",
]
