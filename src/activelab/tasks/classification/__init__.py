"""Single-label classification: the core learner and simulation, declared as a task.

Classification is the library's core (:class:`activelab.ActiveLearner`,
:func:`activelab.simulation.simulate`); this package names what the task registry
needs of it, so that every task is found the same way.
"""

from ...learner import ActiveLearner
from ...models import MODEL_NAMES
from ...simulation import simulate
from ...strategies import available_strategies

__all__ = ["ActiveLearner", "simulate", "STRATEGIES", "MODELS"]

#: What ``activelab bench`` checks a task grid's names against.
STRATEGIES = available_strategies
MODELS = MODEL_NAMES
