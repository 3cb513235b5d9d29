"""Server-rendered pages: login, project list, annotator page, admin dashboard."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from ...exceptions import ActivelabError
from ...models.factory import MODEL_NAMES
from ...strategies import available_strategies
from ..deps import SESSION_USER_KEY, PathId, SessionDep, SettingsDep, optional_user
from ..models import User
from ..services.projects import get_project, progress, require_admin, visible_projects
from ..services.stats import project_stats
from ..services.users import authenticate
from ..svg import learning_curve_svg

router = APIRouter(include_in_schema=False)
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
def login_form(request: Request, session: SessionDep, username: Annotated[str, Form()],
               password: Annotated[str, Form()]) -> Response:
    try:
        user = authenticate(session, username, password)
    except ActivelabError as error:
        return _templates(request).TemplateResponse(
            request, "login.html", {"error": str(error)}, status_code=401)
    request.session.clear()
    request.session[SESSION_USER_KEY] = user.id
    return RedirectResponse("/projects", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    request.session.clear()
    return _to_login()


@router.get("/projects", response_class=HTMLResponse)
def projects_page(request: Request, user: OptionalUser, session: SessionDep) -> Response:
    if user is None:
        return _to_login()
    rows = [(p, progress(session, p, user)) for p in visible_projects(session, user)]
    users = list(session.scalars(select(User).order_by(User.id))) if user.is_admin else []
    return _templates(request).TemplateResponse(
        request, "projects.html", {"user": user, "rows": rows, "users": users,
                                   "strategies": available_strategies(),
                                   "models": MODEL_NAMES})


@router.get("/projects/{project_id}/annotate", response_class=HTMLResponse)
def annotate_page(project_id: PathId, request: Request, user: OptionalUser, session: SessionDep,
                  settings: SettingsDep) -> Response:
    if user is None:
        return _to_login()
    project = get_project(session, user, project_id)
    return _templates(request).TemplateResponse(
        request, "annotate.html",
        {"user": user, "project": project, "heartbeat_ms": settings.lease_seconds * 1000 // 3})


@router.get("/projects/{project_id}/dashboard", response_class=HTMLResponse)
def dashboard_page(project_id: PathId, request: Request, user: OptionalUser,
                   session: SessionDep) -> Response:
    if user is None:
        return _to_login()
    require_admin(user)
    project = get_project(session, user, project_id)
    stats: dict[str, Any] = project_stats(session, project, request.app.state.settings)
    return _templates(request).TemplateResponse(
        request, "dashboard.html",
        {"user": user, "project": project, "stats": stats,
         "curve_svg": learning_curve_svg(stats["learning_curve"]),
         "progress": progress(session, project, user),
         "strategies": available_strategies(), "models": MODEL_NAMES})
