"""Server-rendered pages: login, account, project list, annotator page, admin dashboard."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from ...exceptions import ActivelabError
from ...tasks.registry import get_task
from ..deps import PathId, SessionDep, SettingsDep, optional_user
from ..login import log_in, log_out
from ..models import Role, TaskType, User
from ..services.gold import gold_report
from ..services.projects import get_project, progress, require_admin, visible_projects
from ..services.review import require_reviewer
from ..services.stats import project_stats
from ..services.task_types import SERVER_TASK, reviews_labels, server_task
from ..services.teams import project_agreement
from ..svg import error_curve_svg, learning_curve_svg

router = APIRouter(include_in_schema=False)
#: Project types whose answer is one class: a reviewer overrides with one key.
SINGLE_LABEL_TYPES = frozenset({TaskType.text_classification, TaskType.image_classification,
                                TaskType.tabular_classification})
OptionalUser = Annotated[User | None, Depends(optional_user)]


def _templates(request: Request) -> Jinja2Templates:
    return request.app.state.templates


def _to_login() -> RedirectResponse:
    return RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/")
def home(user: OptionalUser) -> RedirectResponse:
    target = "/projects" if user else "/login"
    return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return _templates(request).TemplateResponse(request, "login.html", {"error": None})


@router.post("/login", response_class=HTMLResponse)
async def login_form(request: Request, username: Annotated[str, Form()],
                     password: Annotated[str, Form()]) -> Response:
    try:
        await log_in(request, username, password)
    except ActivelabError as error:
        return _login_page(request, str(error), 401)
    except HTTPException as refused:  # locked out (429) or too busy (503)
        return _login_page(request, str(refused.detail), refused.status_code,
                           refused.headers)
    return RedirectResponse("/projects", status_code=status.HTTP_303_SEE_OTHER)


def _login_page(request: Request, error: str, status_code: int,
                headers: Mapping[str, str] | None = None) -> Response:
    return _templates(request).TemplateResponse(
        request, "login.html", {"error": error}, status_code=status_code, headers=headers)


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    log_out(request)
    return _to_login()


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, user: OptionalUser) -> Response:
    """The user's sessions (with a way to end the others) and the password-change form."""
    if user is None:
        return _to_login()
    return _templates(request).TemplateResponse(request, "account.html", {"user": user})


def _model_and_strategy_choices() -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """(task, its models, its strategies) of each task a new project can be."""
    names = sorted(set(SERVER_TASK.values()))
    return [(name, get_task(name).models(), get_task(name).strategies()) for name in names]


@router.get("/projects", response_class=HTMLResponse)
def projects_page(request: Request, user: OptionalUser, session: SessionDep) -> Response:
    if user is None:
        return _to_login()
    rows = [(p, progress(session, p, user)) for p in visible_projects(session, user)]
    users = list(session.scalars(select(User).order_by(User.id))) if user.is_admin else []
    return _templates(request).TemplateResponse(
        request, "projects.html", {"user": user, "rows": rows, "users": users,
                                   "choices": _model_and_strategy_choices()})


#: Keys the pages keep for themselves (annotate: skip and undo), never a class's key.
_RESERVED_KEYS = frozenset("su")


def class_keys(labels: list[str], task_type: str | None = None
               ) -> tuple[list[str | None], bool]:
    """The key of each class, and whether classes are typed by their own names.

    When every class name is one digit or letter, the names are unique (ignoring
    case) and none is a reserved key, a class is typed as its own name: the digits
    demo's "6" is key 6.  Otherwise the first ten classes take 1-9 and 0 in order.
    An anomaly project answers A and N; a cleaning project's classes always take the
    ordinal keys, as K keeps the given label.
    """
    if task_type == TaskType.anomaly:
        return ["a", "n"], False
    lowered = [name.lower() for name in labels]
    by_name = (not (task_type and reviews_labels(task_type))
               and all(len(name) == 1 and name.isalnum() and name.isascii()
                       and name not in _RESERVED_KEYS for name in lowered)
               and len(set(lowered)) == len(lowered))
    if by_name:
        return list(lowered), True
    return [str(i) if i < 10 else "0" if i == 10 else None
            for i in range(1, len(labels) + 1)], False


@router.get("/projects/{project_id}/annotate", response_class=HTMLResponse)
def annotate_page(project_id: PathId, request: Request, user: OptionalUser, session: SessionDep,
                  settings: SettingsDep) -> Response:
    if user is None:
        return _to_login()
    project = get_project(session, user, project_id)
    if user.role == Role.reviewer.value:  # reviewers do not annotate: their queue instead
        return RedirectResponse(f"/projects/{project.id}/review",
                                status_code=status.HTTP_303_SEE_OTHER)
    keys, by_name = class_keys(project.labels, project.task_type)
    return _templates(request).TemplateResponse(
        request, "annotate.html",
        {"user": user, "project": project, "keys": keys, "by_name": by_name,
         "heartbeat_ms": settings.lease_seconds * 1000 // 3})


@router.get("/projects/{project_id}/review", response_class=HTMLResponse)
def review_page(project_id: PathId, request: Request, user: OptionalUser,
                session: SessionDep) -> Response:
    """The review queue of a project, one item at a time (reviewers and admins)."""
    if user is None:
        return _to_login()
    project = get_project(session, user, project_id)
    require_reviewer(user)
    keys, by_name = class_keys(project.labels, project.task_type)
    return _templates(request).TemplateResponse(
        request, "review.html", {"user": user, "project": project, "keys": keys,
                                 "by_name": by_name,
                                 "overrides": project.task_type in SINGLE_LABEL_TYPES})


def _curve_svg(stats: dict[str, Any]) -> Any:
    """The accuracy curve with its interval, or the curve of the task's own headline."""
    headline = stats["headline"]
    if "box_actions" in stats:  # image regions: the detector's mAP over the boxes drawn
        return error_curve_svg(stats["learning_curve"], headline["metric"], False,
                               headline["shown"], x="n_boxes", x_name="boxes")
    if headline["metric"] == "accuracy" and "cleaning" not in stats:
        return learning_curve_svg(stats["learning_curve"])
    return error_curve_svg(stats["learning_curve"], headline["metric"],
                           headline["lower_is_better"], headline["shown"])


@router.get("/projects/{project_id}/dashboard", response_class=HTMLResponse)
def dashboard_page(project_id: PathId, request: Request, user: OptionalUser,
                   session: SessionDep) -> Response:
    if user is None:
        return _to_login()
    require_admin(user)
    project = get_project(session, user, project_id)
    stats: dict[str, Any] = project_stats(session, project, request.app.state.settings)
    task = server_task(project.task_type)
    return _templates(request).TemplateResponse(
        request, "dashboard.html",
        {"user": user, "project": project, "stats": stats,
         "curve_svg": _curve_svg(stats),
         "progress": progress(session, project, user),
         "agreement": project_agreement(session, project, full=True),
         "gold": gold_report(session, project),
         "single_label": project.task_type in SINGLE_LABEL_TYPES,
         "strategies": task.strategies(), "models": task.models()})
