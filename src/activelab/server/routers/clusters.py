"""Clustering projects: remove a point (and the pair questions that show it)."""

from __future__ import annotations

from fastapi import APIRouter

from ..deps import AdminUser, PathId, ProjectDep, WorkerDep, WriteSessionDep
from ..services import projects as service
from ..services.cluster_points import delete_point

router = APIRouter(prefix="/api/projects", tags=["projects"])


@router.delete("/{project_id}/points/{point_id}")
def remove_point(point_id: PathId, project: ProjectDep, admin: AdminUser,
                 session: WriteSessionDep, worker: WorkerDep) -> dict[str, int]:
    """Delete one point of a clustering project with every pair item that shows it.

    Those pairs are no longer served; an answer sent for one is a 409 (the item was
    deleted). Their answers go with them, and the next retrain clusters the remaining
    points.
    """
    current = service.get_project(session, admin, project.id)
    service.require_active(current)
    pairs = delete_point(session, current, admin, point_id)
    current.retrain_requested = True
    session.commit()
    worker.notify(project.id)
    return {"point_id": point_id, "pairs_deleted": pairs}
