"""Starting the server from Python or the command line."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from .app import create_app
from .config import Settings
from .services.demo import ensure_demo

__all__ = ["run_server", "main", "RESET_DEMO_PASSWORD_ENV"]

#: Set to 1 to give the demo admin a fresh password at start (for ``activelab serve --demo``).
RESET_DEMO_PASSWORD_ENV = "ACTIVELAB_RESET_DEMO_PASSWORD"
RESET_HINT = "python -m activelab.server --demo --reset-demo-password"


def run_server(host: str = "127.0.0.1", port: int = 8000, db_url: str | None = None,
               demo: bool = False, reset_demo_password: bool | None = None) -> None:
    """Migrate the database, optionally create the demo, print the URL and serve.

    Parameters
    ----------
    host, port : where to listen
    db_url : SQLAlchemy URL; default from ``ACTIVELAB_DB_URL`` or ``sqlite:///activelab.db``
    demo : create (idempotently) the digits demo project and an ``admin`` user whose
        generated password is printed when the user is created
    reset_demo_password : with ``demo``, give the existing demo admin a fresh password
        and print it; default from the ``ACTIVELAB_RESET_DEMO_PASSWORD`` environment
        variable (``1``/``true``)
    """
    import uvicorn

    settings = Settings(db_url=db_url) if db_url else Settings()
    app = create_app(settings)
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    if demo:
        if reset_demo_password is None:
            reset_demo_password = os.environ.get(RESET_DEMO_PASSWORD_ENV, "").strip().lower() \
                in ("1", "true", "yes", "on")
        created = ensure_demo(app.state.session_factory, reset_password=reset_demo_password)
        if created["password"] and reset_demo_password:
            print(f"Demo admin {created['admin']!r}: new password {created['password']!r}")
        elif created["password"]:
            print(f"Demo admin created: user {created['admin']!r}, "
                  f"password {created['password']!r} (shown once; to get a new one "
                  f"later run: {RESET_HINT})")
        else:
            print(f"Demo admin {created['admin']!r} exists already; its password is unchanged "
                  f"(only its hash is stored). Lost it? Restart with: {RESET_HINT} "
                  f"(or set {RESET_DEMO_PASSWORD_ENV}=1)")
        print(f"Demo project: {url}/projects/{created['project_id']}/annotate")
    print(f"activelab annotation server: {url}", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="info")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m activelab.server",
                                     description="Run the activelab annotation server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--db", dest="db_url", default=None, help="SQLAlchemy database URL")
    parser.add_argument("--demo", action="store_true", help="create the digits demo project")
    parser.add_argument("--reset-demo-password", action="store_true", default=None,
                        help="with --demo: give the demo admin a fresh password and print it")
    args = parser.parse_args(argv)
    if args.reset_demo_password and not args.demo:
        parser.error("--reset-demo-password needs --demo")
    run_server(args.host, args.port, args.db_url, args.demo,
               reset_demo_password=args.reset_demo_password)
