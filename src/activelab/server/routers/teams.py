"""A project's team: agreement between its annotators."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ..deps import CurrentUser, ProjectDep, SessionDep
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
