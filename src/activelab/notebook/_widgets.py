"""ipywidgets, imported only when a labeller is built (the ``notebook`` extra)."""

from __future__ import annotations

from types import ModuleType

from ..exceptions import MissingDependencyError

__all__ = ["import_widgets"]


def import_widgets() -> ModuleType:
    """The ``ipywidgets`` module, or :class:`MissingDependencyError` naming the extra."""
    try:
        import ipywidgets
    except ImportError:
        raise MissingDependencyError("ipywidgets", "notebook",
                                     "Labelling in a notebook") from None
    return ipywidgets
