"""A strategy's state between retrains, and what the dashboard says it did.

Every retrain builds a new :class:`~activelab.Pool` and a new strategy, so a
strategy that learns across rounds would forget at each one.  ``auto`` does:
it tests, on the items it drew at random once they are labelled, whether the
model's uncertainty points at its errors, and samples whole batches at random
while it does not.  The worker restores the project's saved state before the
retrain's query (:func:`restore`) and saves the strategy's export after it
(:func:`save`).  The state names items by their ids, so it survives the pool's
rows changing between retrains; a random pick nobody labelled within three
retrains leaves the test (the queue was re-ranked before reaching it).

The state is valid for one context (strategy, model, features, classes); a
change of any starts afresh.  Retrains that do not query the strategy (the
cold start's class search) leave the state as it was.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from ...exceptions import ConfigError
from ...strategies import QueryStrategy
from ...strategies.auto import AutoStrategy
from ..models import Project, StrategyState, utcnow

__all__ = ["context_of", "load_state", "restore", "export", "save", "strategy_note"]


def context_of(project: Project) -> dict[str, Any]:
    """What a saved state is valid for: another strategy, model, features or classes
    make it meaningless (``auto``'s evidence is about one model's predicted codes)."""
    return {"strategy": project.strategy_name, "model": project.model_name,
            "featurizer": project.featurizer, "classes": list(project.labels)}


def load_state(session: Session, project: Project) -> dict[str, Any] | None:
    """The project's saved state, or None when there is none for its current context."""
    row = session.get(StrategyState, project.id)
    if row is None or row.context != context_of(project):
        return None
    return dict(row.state)


def restore(strategy: QueryStrategy, state: dict[str, Any] | None,
            item_ids: np.ndarray) -> None:
    """Give ``strategy`` its saved state; a state it cannot read is dropped, not fatal."""
    if not state:
        return
    try:
        strategy.set_state(state, item_ids)
    except ConfigError:  # left unchanged: the strategy starts afresh
        pass


def export(strategy: QueryStrategy, item_ids: np.ndarray) -> dict[str, Any]:
    """The strategy's state after a query, its rows named by item id."""
    return strategy.get_state(item_ids)


def save(session: Session, project: Project, state: dict[str, Any]) -> None:
    """Store the state for the project's current context (inside a write transaction)."""
    row = session.get(StrategyState, project.id)
    if row is None:
        session.add(StrategyState(project_id=project.id, context=context_of(project),
                                  state=state, updated_at=utcnow()))
    else:
        row.context, row.state, row.updated_at = context_of(project), state, utcnow()


def strategy_note(strategy: QueryStrategy) -> str | None:
    """What the strategy did at its last query, in a line (None: nothing to add)."""
    if not isinstance(strategy, AutoStrategy) or not hasattr(strategy, "n_probes_"):
        return None
    auc, probes = strategy.uncertainty_auc_, strategy.n_probes_
    if strategy.sampled_at_random_:
        return (f"auto: sampling at random: uncertainty uninformative "
                f"(AUROC {auc:.2f} on {probes} probes)")
    if auc is not None:
        return f"auto: uncertainty informative (AUROC {auc:.2f} on {probes} probes)"
    if not strategy.probe_size:
        return "auto: margin with diversity (the uncertainty test is off)"
    if probes < strategy.probe_size:
        return (f"auto: margin with diversity; testing uncertainty on random picks "
                f"({probes} of {strategy.probe_size} labelled)")
    return (f"auto: margin with diversity; too few errors or successes among "
            f"{probes} probes to test uncertainty yet")

