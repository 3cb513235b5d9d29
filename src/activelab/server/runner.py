"""Starting the server from Python or the command line."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from .app import create_app
from .config import Settings
from .services.demo import ensure_demo

__all__ = ["run_server", "main"]


def run_server(host: str = "127.0.0.1", port: int = 8000, db_url: str | None = None,
               demo: bool = False) -> None:
    """Migrate the database, optionally create the demo, print the URL and serve.

    Parameters
    ----------
    host, port : where to listen
    db_url : SQLAlchemy URL; default from ``ACTIVELAB_DB_URL`` or ``sqlite:///activelab.db``
    demo : create (idempotently) the digits demo project and an ``admin`` user whose
        generated password is printed once, when the user is created
    """
    import uvicorn

    settings = Settings(db_url=db_url) if db_url else Settings()
    app = create_app(settings)
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    if demo:
        created = ensure_demo(app.state.session_factory)
        if created["password"]:
            print(f"Demo admin created: user {created['admin']!r}, "
                  f"password {created['password']!r} (shown only this once)")
        else:
            print(f"Demo admin {created['admin']!r} exists already; its password is unchanged")
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
    args = parser.parse_args(argv)
    run_server(args.host, args.port, args.db_url, args.demo)
