"""Dashboard numbers: learning curve, label distribution, throughput, progress, queue preview.

The learning curve's ``accuracy`` is the unbiased estimate on evaluation items
(:mod:`.evaluation`) with its Wilson 95% interval; the cross-validated figure
over the strategy's picks is kept as ``cv_accuracy`` and labelled as biased.
A task whose figure is not an accuracy (regression) stores its own metrics with each
retrain: its points carry them (``rmse``, ``mae`` on the evaluation items once there
are enough, else cross-validated) and ``headline`` names the task's headline metric.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..config import Settings
from ..models import Item, Label, ModelSnapshot, Project, TaskType, User, utcnow
from .box_actions import box_action_counts
from .cleaning_reviews import cleaning_summary, review_distribution
from .discovery import DISCOVERY_K, under_covered
from .evaluation import MIN_EVAL_LABELS, accuracy_estimate
from .queue import eligible_items_query, finished_clause, fixed_overlap
from .region_training import detection_strategy
from .stream import stream_state
from .task_types import metrics_task, reviews_labels, server_task, takes_numbers
from .training import MULTI_LABEL_TASKS
from .worker import worker_state

__all__ = ["headline", "learning_curve", "label_distribution", "throughput", "queue_preview",
           "project_progress", "queue_strategy", "project_stats"]

#: A class is flagged when its share is below this fraction of an even share.
IMBALANCE_FRACTION = 0.5


def _estimate_metric(n_eval: int, fraction: float) -> str:
    if n_eval >= MIN_EVAL_LABELS:
        return f"accuracy on {n_eval} evaluation items (a random sample), Wilson 95% interval"
    if fraction <= 0 and n_eval == 0:
        return "no estimate: evaluation items are off (eval_fraction = 0)"
    return (f"not enough evaluation labels yet ({n_eval} of {MIN_EVAL_LABELS}; about one "
            f"item in {round(1 / fraction) if fraction > 0 else '-'} is one)")


def _shown(metric: str) -> str:
    """A metric's name as the dashboard writes it (``rmse``: RMSE)."""
    return {"precision_at_k": "precision@k", "map50": "mAP@0.5"}.get(metric, metric.upper())


def _task_point(s: ModelSnapshot) -> dict[str, Any]:
    """A learning-curve point of a task with its own metrics (regression: RMSE, MAE).

    The headline is measured on the evaluation items once :data:`MIN_EVAL_LABELS` of
    them are labelled; until then (or with evaluation items off) it is cross-validated
    over the training labels, and says so.
    """
    metrics = dict(s.metrics or {})
    name = metrics.pop("headline", "rmse")
    if metrics.pop("measured", False):  # counted, not estimated (cleaning: reviews)
        return {"version": s.version, "n_labeled": s.n_labeled, "headline": name,
                "estimate": "counted", "metric": s.metric, "accuracy": None, **metrics,
                "created_at": s.created_at.isoformat()}
    n_eval = int(metrics.get("n_eval") or 0)
    on_eval = n_eval >= MIN_EVAL_LABELS and metrics.get(name) is not None
    prefix = "" if on_eval else "cv_"
    value = metrics.get(prefix + name)
    if on_eval:
        text = f"{_shown(name)} on {n_eval} evaluation items (a random sample)"
    elif value is not None:
        text = (f"{metrics['cv_folds']}-fold cross-validated {_shown(name)} on "
                f"{metrics['cv_n']} labels (biased: the items the strategy picked; "
                f"{n_eval} of {MIN_EVAL_LABELS} evaluation labels so far)")
    else:
        text = s.metric
    point = {"version": s.version, "n_labeled": s.n_labeled, "headline": name,
             name: value, "mae": metrics.get(prefix + "mae"),
             "estimate": "evaluation items" if on_eval else "cross-validation",
             "metric": text, "n_eval": n_eval, "accuracy": None, "low": None, "high": None,
             "created_at": s.created_at.isoformat()}
    # The task's other figures (cv_*, anomaly: anomalies found per answer) as stored.
    return {**{key: v for key, v in metrics.items() if key not in point}, **point}


def learning_curve(session: Session, project: Project) -> list[dict[str, Any]]:
    """One point per retrain: the unbiased estimate (``accuracy``, ``low``, ``high``,
    ``n_eval``) and the biased cross-validated one (``cv_accuracy``, ``cv_metric``);
    for a task with its own metrics, those (see :func:`_task_point`)."""
    rows = session.scalars(select(ModelSnapshot).where(ModelSnapshot.project_id == project.id)
                           .order_by(ModelSnapshot.version))
    return [_task_point(s) if s.metrics is not None else _accuracy_point(s, project)
            for s in rows]


def _accuracy_point(s: ModelSnapshot, project: Project) -> dict[str, Any]:
    return {"version": s.version, "n_labeled": s.n_labeled,
            **accuracy_estimate(s.eval_correct, s.eval_n),
            "estimate": "evaluation items",
            "metric": _estimate_metric(s.eval_n or 0, project.eval_fraction),
            "cv_accuracy": s.accuracy,
            "cv_metric": f"{s.metric} (biased: the items the strategy picked)"
            if s.accuracy is not None else s.metric,
            "created_at": s.created_at.isoformat()}


def _number_summary(values: list[float]) -> dict[str, Any]:
    """How many numbers were answered, and their smallest, mean and largest."""
    if not values:
        return {"counts": {}, "total": 0, "warnings": [], "summary": None}
    return {"counts": {}, "total": len(values), "warnings": [],
            "summary": {"min": min(values), "mean": sum(values) / len(values),
                        "max": max(values)}}


def label_distribution(session: Session, project: Project) -> dict[str, Any]:
    """Active labels per class, with a warning for every rare or missing class
    (for number answers: their count, smallest, mean and largest)."""
    if reviews_labels(project.task_type):  # reviews of given labels: the labels they leave
        return review_distribution(session, project)
    counts: Counter[str] = Counter({name: 0 for name in project.labels})
    values = session.scalars(select(Label.value).where(
        Label.project_id == project.id, Label.undone.is_(False), Label.is_skip.is_(False)))
    if takes_numbers(project.task_type):
        return _number_summary([float(value) for value in values])
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


def project_progress(session: Session, project: Project) -> dict[str, Any]:
    """Items finished, labels in the last hour, and the time left at that pace."""
    hour_ago = utcnow() - timedelta(hours=1)
    done = int(session.scalar(
        select(func.count()).select_from(Item).where(Item.project_id == project.id,
                                                     finished_clause()),
        {"overlap": project.overlap, "fixed": fixed_overlap(project)}) or 0)
    last_hour = int(session.scalar(select(func.count()).select_from(Label).where(
        Label.project_id == project.id, Label.undone.is_(False), Label.is_skip.is_(False),
        Label.created_at >= hour_ago)) or 0)
    total = int(project.n_items or 0)
    left = max(total - done, 0)
    return {"done": done, "total": total, "percent": round(100 * done / total, 1) if total else 0.0,
            "labels_per_hour": last_hour,
            "hours_left": round(left / last_hour, 1) if last_hour and left else None}


def queue_strategy(session: Session, project: Project, discovery: bool = True
                   ) -> dict[str, str]:
    """What orders the queue now: ``name`` (the project's strategy) and ``active``; ``note``
    says what the strategy did at the last retrain when it has something to say (``auto``:
    whether its uncertainty test passed and it samples at random)."""
    latest = session.scalar(select(ModelSnapshot).where(ModelSnapshot.project_id == project.id)
                            .order_by(ModelSnapshot.version.desc()).limit(1))
    name = project.strategy_name
    if project.task_type == TaskType.image_regions:  # the detection strategy it maps to
        name = detection_strategy(project)
    if latest is None:
        # Only classifiers wait for two classes; pair, number and anomaly tasks for answers.
        needs = " (labels of two classes)" \
            if server_task(project.task_type).name == "classification" else ""
        return {"name": name, "active": "random",
                "detail": f"random order until the first model{needs}"}
    missing = under_covered(latest.class_counts, project.labels)
    if discovery and missing and name != "random" \
            and project.task_type not in MULTI_LABEL_TASKS \
            and server_task(project.task_type).name == "classification":
        shown = ", ".join(repr(c) for c in missing[:5]) + (" ..." if len(missing) > 5 else "")
        return {"name": name, "active": "class discovery",
                "detail": f"class discovery: looking for {shown} (fewer than {DISCOVERY_K} "
                f"labels each), then {name}"}
    current = {"name": name, "active": name,
               "detail": f"{name} (model version {latest.version})"}
    if latest.strategy_note:  # what the strategy did at that retrain (auto: random or not)
        current["note"] = latest.strategy_note
    return current


def queue_preview(session: Session, project: Project, limit: int = 10) -> list[dict[str, Any]]:
    items = session.scalars(eligible_items_query(project, None, utcnow(), limit))
    return [{"id": item.id, "external_id": item.external_id, "score": item.score,
             "guess": item.predicted, "probability": item.predicted_proba,
             "model_version": item.model_version, "evaluation": item.is_eval}
            for item in items]


def headline(project: Project, curve: list[dict[str, Any]]) -> dict[str, Any]:
    """The task's headline metric at the latest retrain (None before the first model)."""
    task = metrics_task(project.task_type)
    name = task.headline  # every learning-curve point carries it
    latest = curve[-1] if curve else {}
    return {"task": task.name, "metric": name, "shown": _shown(name), "value": latest.get(name),
            "lower_is_better": task.lower_is_better,
            "estimate": latest.get("estimate"), "detail": latest.get("metric")}


def project_stats(session: Session, project: Project, settings: Settings) -> dict[str, Any]:
    error = session.scalar(select(Project.train_error).where(Project.id == project.id))
    curve = learning_curve(session, project)
    extra: dict[str, Any] = {"cleaning": cleaning_summary(session, project, curve)} \
        if reviews_labels(project.task_type) else {}
    if project.stream_rate is not None:
        extra["stream"] = stream_state(session, project)
    if project.task_type == TaskType.image_regions:
        extra["box_actions"] = box_action_counts(session, project.id)
    return {**extra, "learning_curve": curve, "headline": headline(project, curve),
            "progress": project_progress(session, project),
            "strategy": queue_strategy(session, project, settings.class_discovery),
            "eval_fraction": project.eval_fraction,
            "distribution": label_distribution(session, project),
            "throughput": throughput(session, project),
            "queue": queue_preview(session, project),
            "last_error": error,
            "worker": worker_state(session, settings)}
