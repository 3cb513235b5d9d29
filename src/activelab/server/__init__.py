"""The activelab annotation server (FastAPI).

Needs the ``server`` extra.  The library never imports this package; the
server calls the library through its service functions.

>>> from activelab.server import Settings, create_app    # doctest: +SKIP
>>> app = create_app(Settings(db_url="sqlite:///labels.db"))  # doctest: +SKIP
"""

from .app import create_app
from .config import Settings
from .errors import (
    AuthenticationError,
    ConflictError,
    ImportRejectedError,
    NotFoundError,
    PermissionDeniedError,
)
from .runner import export_model, import_source, run_server, run_worker_command, stream_file

__all__ = [
    "create_app",
    "run_server",
    "run_worker_command",
    "import_source",
    "export_model",
    "stream_file",
    "Settings",
    "AuthenticationError",
    "ConflictError",
    "ImportRejectedError",
    "NotFoundError",
    "PermissionDeniedError",
]
