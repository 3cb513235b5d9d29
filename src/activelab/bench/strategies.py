"""Strategy names a benchmark accepts: the registry, ``auto``, and peers (``modal:margin``)."""

from __future__ import annotations

from .._random import RandomLike
from ..exceptions import ConfigError
from ..strategies import QueryStrategy, available_strategies, make_strategy
from .peers import PEER_LIBRARIES, PEER_MEASURES, is_peer_name, make_peer_strategy

__all__ = ["benchmark_strategies", "build_strategy", "check_strategy_name"]


def benchmark_strategies() -> list[str]:
    """Every name :func:`build_strategy` accepts."""
    names = set(available_strategies()) | {"auto"}
    names |= {f"{prefix}:{measure}" for prefix in PEER_LIBRARIES for measure in PEER_MEASURES}
    return sorted(names)


def check_strategy_name(name: str) -> None:
    """Raise :class:`ConfigError` unless ``name`` is a strategy a benchmark can run."""
    if name not in benchmark_strategies():
        raise ConfigError(f"unknown strategy {name!r}; choose from "
                          f"{', '.join(benchmark_strategies())}")


def build_strategy(name: str, *, random_state: RandomLike = None) -> QueryStrategy:
    """The strategy object for ``name``.

    ``auto`` is built here until the strategy registry lists it, so the
    harness does not depend on the registration order.
    """
    if is_peer_name(name):
        return make_peer_strategy(name, random_state=random_state)
    if name == "auto" and "auto" not in available_strategies():
        from ..strategies.auto import AutoStrategy

        return AutoStrategy(random_state=random_state)
    return make_strategy(name, random_state=random_state)
