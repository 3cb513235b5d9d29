"""The application factory: ``create_app(settings)`` wires everything, nothing runs at import."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from .. import __version__
from ..models.factory import MODEL_NAMES
from ..strategies import available_strategies
from .config import Settings
from .csrf import OriginCheckMiddleware
from .db import ensure_secret_key, make_engine, make_session_factory, upgrade_database
from .deps import optional_user
from .errors import install_error_handler
from .limits import BodySizeLimitMiddleware
from .login_limits import LoginThrottle
from .models import TaskType
from .routers import annotate, auth, clusters, model, pairs, projects, stream, teams, ui
from .security_headers import SecurityHeadersMiddleware
from .services.model_export import ModelCache
from .services.sessions import SessionPolicy
from .services.worker import TrainingWorker
from .stop_signals import watch_stop_signals
from .strict_input import StrictInputMiddleware

__all__ = ["create_app"]

PACKAGE_DIR = Path(__file__).parent


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the annotation server for ``settings`` (migrating its database first).

    The retraining worker starts with the application (lifespan) and stops
    with it: a supervised separate process by default, a thread with
    ``worker_mode="thread"``, none with ``"external"``.  The engine is
    disposed on shutdown.
    """
    settings = settings or Settings()
    engine = make_engine(settings)
    upgrade_database(engine)
    factory = make_session_factory(engine)
    secret_key = ensure_secret_key(settings, factory)
    worker = TrainingWorker(factory, settings)
    # Imported here: ``python -m activelab.server.worker_process`` imports this package
    # first, and must not find its own module loaded already.
    from .worker_process import WorkerSupervisor

    supervisor = WorkerSupervisor(settings, factory)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        unwatch_signals = watch_stop_signals(app.state.stopping)
        if settings.worker_enabled and settings.worker_mode == "thread":
            worker.start()
        elif settings.worker_enabled and settings.worker_mode == "process":
            supervisor.start()
        try:
            yield
        finally:
            app.state.stopping.set()
            unwatch_signals()
            worker.stop()
            supervisor.stop()
            engine.dispose()

    # Swagger UI is served from a package's copy (it works offline); no ReDoc.
    app = FastAPI(title="activelab annotation server", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.session_policy = SessionPolicy.from_settings(settings)
    app.state.login_throttle = LoginThrottle(settings)
    app.state.engine = engine
    app.state.session_factory = factory
    app.state.worker = worker
    app.state.model_cache = ModelCache()
    app.state.supervisor = supervisor
    # Set when the server begins to stop: long imports end at their next batch.
    app.state.stopping = threading.Event()
    app.state.templates = Jinja2Templates(directory=PACKAGE_DIR / "templates")
    # Innermost: strict JSON bodies, no NUL in a query or form, before any route.
    app.add_middleware(StrictInputMiddleware, max_bytes=settings.max_json_body_bytes)
    # Wraps the routes (and every body read); sessions and CORS sit outside it.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_upload_bytes)
    app.add_middleware(SessionMiddleware, secret_key=secret_key,
                       session_cookie=settings.session_cookie, max_age=settings.session_max_age,
                       same_site="lax", https_only=settings.cookie_secure)
    # Outside the signed cookie (a session key): the origin check, CORS, and outermost
    # the security headers, so that every answer gets them, refusals included.
    app.add_middleware(OriginCheckMiddleware,
                       trusted_origins=[*settings.csrf_trusted_origins, *settings.cors_origins])
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_credentials=True, allow_methods=["*"],
                           allow_headers=["Authorization", "Content-Type"])
    app.add_middleware(SecurityHeadersMiddleware, session_cookie=settings.session_cookie)
    # Error pages show who is logged in; the lookup is the one every page uses.
    app.state.page_user = lambda request: optional_user(request, factory)
    install_error_handler(app)
    app.include_router(auth.router)
    app.include_router(projects.router)
    app.include_router(pairs.router)
    app.include_router(clusters.router)
    app.include_router(annotate.router)
    app.include_router(model.router)
    app.include_router(stream.router)
    app.include_router(teams.router)
    app.include_router(ui.router)
    app.mount("/static", StaticFiles(directory=PACKAGE_DIR / "static"), name="static")
    _add_api_docs(app)

    @app.get("/api/options", tags=["meta"], summary="Project options")
    def options() -> dict[str, list[str]]:
        """The strategy, model and task-type names a project can use.

        The new-project form and API clients read their choices from here.
        """
        return {"strategies": available_strategies(), "models": list(MODEL_NAMES),
                "task_types": [t.value for t in TaskType]}

    return app


def _add_api_docs(app: FastAPI) -> None:
    """Swagger UI at ``/docs``, with its assets served from this server (no CDN).

    The assets come from the ``swagger-ui-py`` package (Swagger UI 5, which reads
    the OpenAPI 3.1 that FastAPI writes; ``swagger-ui-bundle`` ships version 4,
    which cannot).
    """
    import swagger_ui

    assets = Path(swagger_ui.__file__).parent / "static"
    app.mount("/docs-assets", StaticFiles(directory=assets), name="docs-assets")

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def api_docs(request: Request) -> HTMLResponse:
        return app.state.templates.TemplateResponse(
            request, "api_docs.html", {"title": app.title, "openapi_url": app.openapi_url})
