"""Tasks beyond single-label classification, one module each.

* :mod:`activelab.tasks.regression` - real-valued targets.
* :mod:`activelab.tasks.multilabel` - several labels per item.
* :mod:`activelab.tasks.cleaning` - finding wrong labels; aggregating noisy annotators.
* :mod:`activelab.tasks.imbalance` - finding rare classes.
* :mod:`activelab.tasks.anomaly` - confirming suspected anomalies.
* :mod:`activelab.tasks.pairwise` - clustering from must-link / cannot-link questions.
* :mod:`activelab.tasks.matching` - record matching over candidate pairs.
* :mod:`activelab.tasks.weak_supervision` - keyword rules, compared at equal effort.

Import the module you need (``from activelab.tasks.regression import RegressionLearner``);
this package imports nothing eagerly.
"""
