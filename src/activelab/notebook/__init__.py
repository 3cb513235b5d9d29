"""Label a learner's queries in a Jupyter notebook (extra ``notebook``: ipywidgets).

>>> from activelab.notebook import Labeller   # doctest: +SKIP
>>> Labeller(learner, items=texts)            # doctest: +SKIP
"""

from ._labeller import Answer, Labeller

__all__ = ["Labeller", "Answer"]
