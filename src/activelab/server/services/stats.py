"""Dashboard numbers: learning curve, label distribution, throughput, queue preview."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..config import Settings
from ..models import Label, ModelSnapshot, Project, User, utcnow
from .queue import eligible_items_query
from .training import MULTI_LABEL_TASKS
from .worker import worker_state

__all__ = ["learning_curve", "label_distribution", "throughput", "queue_preview",
           "project_stats"]

#: A class is flagged when its share is below this fraction of an even share.
IMBALANCE_FRACTION = 0.5


def learning_curve(session: Session, project: Project) -> list[dict[str, Any]]:
    rows = session.scalars(select(ModelSnapshot).where(ModelSnapshot.project_id == project.id)
                           .order_by(ModelSnapshot.version))
    return [{"version": s.version, "n_labeled": s.n_labeled, "accuracy": s.accuracy,
             "metric": s.metric, "created_at": s.created_at.isoformat()} for s in rows]


def label_distribution(session: Session, project: Project) -> dict[str, Any]:
    """Active labels per class, with a warning for every rare or missing class."""
    counts: Counter[str] = Counter({name: 0 for name in project.labels})
    values = session.scalars(select(Label.value).where(
        Label.project_id == project.id, Label.undone.is_(False), Label.is_skip.is_(False)))
    for value in values:
        if project.task_type in MULTI_LABEL_TASKS:
            names = {box["label"] for box in value} if value and isinstance(value[0], dict) \
                else set(value or [])
            counts.update(names)
        else:
            counts[value] += 1
    total = sum(counts.values())
    warnings = []
    if total:
        even = total / len(project.labels)
        for name, count in counts.items():
            if count == 0:
                warnings.append(f"no labels yet for class {name!r}")
            elif count < IMBALANCE_FRACTION * even:
                warnings.append(f"class {name!r} is rare: {count} of {total} labels "
                                f"({100 * count / total:.0f}%)")
    return {"counts": dict(counts), "total": total, "warnings": warnings}


def throughput(session: Session, project: Project) -> list[dict[str, Any]]:
    """Per annotator: labels, skips, labels in the last hour, last activity."""
    hour_ago = utcnow() - timedelta(hours=1)
    rows = session.execute(
        select(User.username,
               func.count().filter(Label.is_skip.is_(False)),
               func.count().filter(Label.is_skip.is_(True)),
               func.count().filter(Label.created_at >= hour_ago),
               func.max(Label.created_at))
        .join(User, User.id == Label.user_id)
        .where(Label.project_id == project.id, Label.undone.is_(False))
        .group_by(User.username).order_by(User.username))
    return [{"annotator": name, "labels": int(n), "skips": int(skips),
             "last_hour": int(recent), "last_at": last.isoformat() if last else None}
            for name, n, skips, recent, last in rows]


def queue_preview(session: Session, project: Project, limit: int = 10) -> list[dict[str, Any]]:
    items = session.scalars(eligible_items_query(project, None, utcnow(), limit))
    return [{"id": item.id, "external_id": item.external_id, "score": item.score,
             "guess": item.predicted, "probability": item.predicted_proba,
             "model_version": item.model_version} for item in items]


def project_stats(session: Session, project: Project, settings: Settings) -> dict[str, Any]:
    error = session.scalar(select(Project.train_error).where(Project.id == project.id))
    return {"learning_curve": learning_curve(session, project),
            "distribution": label_distribution(session, project),
            "throughput": throughput(session, project),
            "queue": queue_preview(session, project),
            "last_error": error,
            "worker": worker_state(session, settings)}
