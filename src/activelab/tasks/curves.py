"""The learning curves every task records (defined in the core: :mod:`activelab.curves`)."""

from ..curves import TaskCurves

__all__ = ["TaskCurves"]
