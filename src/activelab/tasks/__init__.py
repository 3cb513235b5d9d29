"""Every task, one subpackage each, and what they share.

* :mod:`activelab.tasks.classification` - one class per item (the core learner).
* :mod:`activelab.tasks.regression` - real-valued targets.
* :mod:`activelab.tasks.multilabel` - several labels per item.
* :mod:`activelab.tasks.cleaning` - finding wrong labels; aggregating noisy annotators.
* :mod:`activelab.tasks.imbalance` - finding rare classes.
* :mod:`activelab.tasks.anomaly` - confirming suspected anomalies.
* :mod:`activelab.tasks.clustering` - clustering from must-link / cannot-link questions.
* :mod:`activelab.tasks.matching` - record matching over candidate pairs.
* :mod:`activelab.tasks.weak_supervision` - keyword rules, compared at equal effort.

Shared by all of them: :mod:`~activelab.tasks.contract` (what a task declares),
:mod:`~activelab.tasks.curves` (what a bench cell returns),
:mod:`~activelab.tasks.registry` (every task by name) and
:mod:`~activelab.tasks.simulate` (``activelab simulate --task``).

Import the package you need (``from activelab.tasks.regression import RegressionLearner``);
this package imports nothing eagerly.
"""
