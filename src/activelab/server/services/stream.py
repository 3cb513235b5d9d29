"""Stream-based selective sampling: items arrive one at a time, and the model decides per
item whether to ask a person, under the project's label rate and budget.

Each item POSTed to ``/stream`` is checked as an import row, scored by the project's
current model (the pipeline of :mod:`.model_export`, the one ``/predict`` serves) and
passed to the library's :class:`~activelab.strategies.stream.StreamSelectiveSampler`
(variable uncertainty, Žliobaitė et al. 2014): ask while the model's confidence is
below a threshold that falls after each ask and rises after each skip, never more
than ``stream_rate`` of the items seen, and never more than ``stream_budget`` items
in all. Before the first model every item is uncertain: only the rate and the
budget decide. An asked item enters the queue, most uncertain first; a skipped one
is counted and not stored. The state (items seen and asked, the threshold) is kept
in the database in the transaction that stores the asked item, so a restart carries
on where the stream was and concurrent posts are counted once each.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ...exceptions import ConfigError, DataError
from ...strategies.stream import StreamSelectiveSampler, confidence
from ..db import write_transaction
from ..echo import echo
from ..errors import ConflictError
from ..models import Item, Project, StreamState, TaskType, utcnow
from .model_export import ModelCache, predict
from .tasks import parse_item_row

__all__ = ["STREAM_TASK_TYPES", "check_stream_settings", "stream_item", "stream_state"]

#: Project types that take a stream: one class per item, a model behind ``/predict``.
STREAM_TASK_TYPES = (TaskType.text_classification, TaskType.tabular_classification)
#: The sampler's starting threshold and its step (the paper's values).
START_THRESHOLD = 1.0
STEP = 0.01


def check_stream_settings(task_type: str, rate: float | None, budget: int | None) -> None:
    """A stream's rate and budget are for classification projects, and a budget needs a rate.

    Raises
    ------
    ConfigError
        Either on a project type that takes no stream, or a budget without a rate.
    """
    if rate is None and budget is None:
        return
    if task_type not in STREAM_TASK_TYPES:
        kind = str(task_type).replace("_", " ")
        raise ConfigError(f"stream_rate and stream_budget are for text and tabular "
                          f"classification projects, not a {kind} project")
    if rate is None:
        raise ConfigError("stream_budget needs a stream_rate: the share of streamed items "
                          "that may be asked")


def stream_state(session: Session, project: Project) -> dict[str, Any] | None:
    """Items seen, asked and skipped, the threshold and what is left of the budget (None:
    the project takes no stream)."""
    if project.stream_rate is None:
        return None
    row = session.get(StreamState, project.id)
    seen, asked = (row.n_seen, row.n_asked) if row is not None else (0, 0)
    return {"rate": project.stream_rate, "budget": project.stream_budget, "seen": seen,
            "asked": asked, "skipped": seen - asked,
            "threshold": row.threshold if row is not None else START_THRESHOLD,
            "budget_left": None if project.stream_budget is None
            else max(project.stream_budget - asked, 0)}


def _check_features(session: Session, project: Project, columns: dict[str, Any]) -> None:
    """A tabular item has every feature column of the project's items, and no other."""
    first = session.scalar(select(Item.data).where(Item.project_id == project.id)
                           .order_by(Item.id).limit(1))
    if first is None:
        return
    known = list(first.get("columns", {}))
    missing = [name for name in known if name not in columns]
    unknown = [name for name in columns if name not in known]
    if missing or unknown:
        problems = ([f"lacks feature(s) {echo(missing, 300)}"] if missing else []) + \
            ([f"has unknown feature(s) {echo(unknown, 300)}"] if unknown else [])
        raise DataError(f"the item {' and '.join(problems)}; the project's items have the "
                        f"columns {echo(known, 600)} (null for a missing value)")


def _model_view(session: Session, project: Project, models: ModelCache,
                data: dict[str, Any]) -> tuple[float, Any, int | None]:
    """(the model's confidence, its guess, its version); (0, None, None) before a model."""
    try:
        model = models.get(session, project)
    except ConflictError:  # no model yet: every item is uncertain
        return 0.0, None, None
    tabular = project.task_type == TaskType.tabular_classification
    answer = predict(model, [data["columns"]] if tabular else None,
                     None if tabular else [data["text"]], None)
    proba = np.asarray(answer["probabilities"], dtype=float)
    return float(confidence(proba)[0]), answer["predictions"][0], model.version


def stream_item(factory: sessionmaker[Session], project: Project, models: ModelCache,
                row: dict[str, Any]) -> dict[str, Any]:
    """Decide whether to ask a person about one streamed item; an asked item is queued.

    Returns
    -------
    decision : dict
        ``decision`` (``"ask"`` or ``"skip"``), ``reason``, ``item_id`` (the queued
        item, None on a skip), ``confidence`` and ``guess`` of the model (None before
        the first model), ``model_version`` and the stream's state after the item
        (:func:`stream_state`).

    Raises
    ------
    ConflictError
        The project takes no stream (no ``stream_rate``) or is archived.
    DataError
        The item is not a valid row of the project (a missing text, a missing or
        unknown feature column, a value that is not a number).
    """
    if project.archived_at is not None:
        raise ConflictError(f"project {project.name!r} is archived: it takes no stream")
    if project.stream_rate is None:
        raise ConflictError(f"project {project.id} takes no stream: set its stream_rate "
                            "(PATCH /api/projects/{id}) to the share of items to ask")
    parsed = parse_item_row(project.task_type, row)
    with factory() as session:
        if project.task_type == TaskType.tabular_classification:
            _check_features(session, project, parsed.data["columns"])
        conf, guess, version = _model_view(session, project, models, parsed.data)
    rate = project.stream_rate
    try:
        return _decide(factory, project, rate, parsed, conf, guess, version)
    except IntegrityError:  # PostgreSQL: another post created the state row first
        return _decide(factory, project, rate, parsed, conf, guess, version)


def _decide(factory: sessionmaker[Session], project: Project, rate: float, parsed: Any,
            conf: float, guess: Any, version: int | None) -> dict[str, Any]:
    """One step of the sampler on the stored state, locked; the asked item is queued."""
    with write_transaction(factory) as session:
        state = session.scalar(select(StreamState).where(StreamState.project_id == project.id)
                               .with_for_update())
        if state is None:
            state = StreamState(project_id=project.id, n_seen=0, n_asked=0,
                                threshold=START_THRESHOLD)
            session.add(state)
        sampler = StreamSelectiveSampler(budget=rate, threshold=START_THRESHOLD,
                                         step=STEP).reset()
        sampler.n_seen_, sampler.n_asked_, sampler.threshold_ = \
            state.n_seen, state.n_asked, state.threshold
        if project.stream_budget is not None and state.n_asked >= project.stream_budget:
            sampler.n_seen_ += 1
            ask, reason = False, f"the budget of {project.stream_budget} labels is spent"
        else:
            below = conf < sampler.threshold_
            ask = sampler.decide_confidence(conf)
            reason = ("the model is unsure (confidence below the threshold)" if ask
                      else "the rate is reached" if below
                      else "the model is confident (at or above the threshold)")
        state.n_seen, state.n_asked, state.threshold = \
            sampler.n_seen_, sampler.n_asked_, float(sampler.threshold_)
        state.updated_at = utcnow()
        item_id = _queue(session, project, parsed, conf, guess, version) if ask else None
        session.flush()
        after = stream_state(session, project)
    return {"decision": "ask" if ask else "skip", "reason": reason, "item_id": item_id,
            "confidence": conf if version is not None else None, "guess": guess,
            "model_version": version, "state": after}


def _queue(session: Session, project: Project, parsed: Any, conf: float, guess: Any,
           version: int | None) -> int:
    """Store an asked item; with a model, ranked by its uncertainty until the next retrain."""
    uncertainty = 1.0 - conf if version is not None else None
    item = Item(project_id=project.id, external_id=parsed.external_id, data=parsed.data,
                random_key=random.random(), n_labels=0, priority=uncertainty,
                score=uncertainty, predicted=guess, model_version=version,
                predicted_proba=conf if version is not None else None)
    session.add(item)
    session.flush()
    session.execute(update(Project).where(Project.id == project.id)
                    .values(n_items=Project.n_items + 1))
    return item.id
