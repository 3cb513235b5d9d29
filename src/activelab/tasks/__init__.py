"""Tasks beyond single-label classification, one module each.

* :mod:`activelab.tasks.regression` - real-valued targets.
* :mod:`activelab.tasks.multilabel` - several labels per item.
* :mod:`activelab.tasks.cleaning` - finding wrong labels; aggregating noisy annotators.
* :mod:`activelab.tasks.imbalance` - finding rare classes.

Import the module you need (``from activelab.tasks.regression import RegressionLearner``);
this package imports nothing eagerly.
"""
