"""A Python client of the annotation server (extra ``client``: httpx, skops).

>>> from activelab.client import Client                              # doctest: +SKIP
>>> client = Client("http://127.0.0.1:8000", token="...")            # doctest: +SKIP
>>> client.projects()                                                # doctest: +SKIP

It talks HTTP only and never imports the server package.
"""

from ..exceptions import MissingDependencyError

try:
    import httpx  # noqa: F401
except ImportError:  # pragma: no cover - the client extra brings it
    raise MissingDependencyError("httpx", "client", "activelab.client") from None

from ._client import EXPORT_FORMATS, Client  # noqa: E402
from ._model import MODEL_TYPES, load_model  # noqa: E402

__all__ = ["Client", "load_model", "MODEL_TYPES", "EXPORT_FORMATS"]
