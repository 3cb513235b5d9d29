"""A project's team: agreement between its annotators, review of the combined labels, gold
questions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from ..deps import (
    AdminUser,
    CurrentUser,
    PathId,
    ProjectDep,
    SessionDep,
    WorkerDep,
    WriteSessionDep,
)
from ..schemas import GoldIn, ReviewIn
from ..services import gold, review
from ..services.review import require_reviewer
from ..services.teams import project_agreement

router = APIRouter(prefix="/api/projects", tags=["teams"])


@router.get("/{project_id}/agreement")
def agreement(project: ProjectDep, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    """Inter-annotator agreement over the items labelled by two annotators or more.

    Admins get every figure: Fleiss' kappa, Krippendorff's alpha (nominal), both
    per class, Cohen's kappa of each pair of annotators and per-annotator
    figures.  Members of the project get the team's figures only (``scope``
    ``aggregate``): no figure that names or singles out another annotator.
    Without any item labelled twice, the figures are null and ``detail`` says why.
    """
    return project_agreement(session, project, full=user.is_admin)


@router.get("/{project_id}/review")
def review_queue(project: ProjectDep, user: CurrentUser, session: SessionDep,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> dict[str, Any]:
    """Labelled items no reviewer has decided, most doubtful first (reviewers and admins).

    Ranked by disagreement between the item's labels, the aggregation's low
    confidence, and the model's probability for another class.
    """
    require_reviewer(user)
    return review.review_queue(session, project, limit)


@router.post("/{project_id}/review/{item_id}")
def review_item(item_id: PathId, project: ProjectDep, user: CurrentUser,
                session: WriteSessionDep, worker: WorkerDep,
                body: ReviewIn | None = None) -> dict[str, Any]:
    """Accept the item's combined label (no ``value``) or override it (``value``).

    The decision becomes the item's label (training, exports); the annotators'
    labels stay and are measured against it.
    """
    decided = review.review_item(session, project, user, item_id,
                                 body.value if body is not None else None)
    session.commit()
    worker.notify(project.id)
    return decided


@router.get("/{project_id}/gold")
def gold_scores(project: ProjectDep, _: AdminUser, session: SessionDep) -> dict[str, Any]:
    """Each annotator's accuracy on gold questions; ``flagged`` names those below
    the project's ``gold_min_accuracy`` (admins only)."""
    return gold.gold_report(session, project)


@router.put("/{project_id}/gold")
def mark_gold(body: GoldIn, project: ProjectDep, admin: AdminUser,
              session: WriteSessionDep) -> dict[str, Any]:
    """Mark an item (``item_id`` or ``external_id``) as a gold question with its known
    ``answer``, or unmark it (``answer`` null).  An answer outside the project's
    labels is a 422.  Gold items are served to every annotator at the project's
    ``gold_rate`` (``PATCH /api/projects/{id}``), like any other item."""
    marked = gold.set_gold(session, project, admin, body.item_id, body.external_id,
                           body.answer)
    session.commit()
    return marked
