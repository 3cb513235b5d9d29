"""The client of the annotation server's HTTP API."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx
import pandas as pd

from .. import __version__
from ..exceptions import ActivelabError, ConfigError, WaitTimeout
from ._errors import connection_failed, error_of
from ._payload import import_file, predict_bodies

__all__ = ["Client", "EXPORT_FORMATS"]

#: The export formats of the server: labels, a clustering project's clusters (CSV), an
#: image-regions project's boxes, and the Label Studio labelling config.
EXPORT_FORMATS = ("jsonl", "csv", "label-studio", "label-studio-config", "coco", "voc",
                  "clusters")
_LABEL_COLUMNS = ("label_id", "item_id", "external_id", "label", "skipped", "annotator",
                  "source", "created_at")


#: The columns of an image regions project's predictions: one row per box.
BOX_COLUMNS = ("image", "x", "y", "w", "h", "label", "score")

class Client:
    """A connection to an activelab annotation server (``activelab serve``).

    Log in with an API token (``Authorization: Bearer``; make one on the
    server's account page or with ``POST /api/auth/tokens``) or with a user
    name and password (a server-side session, as the browser has).  The
    credentials are checked at once.

    Parameters
    ----------
    url : str
        The server's address, e.g. ``"http://127.0.0.1:8000"``.
    token : str, optional
        An API token.
    username, password : str, optional
        A user's name and password, instead of a token.
    timeout : float, default=60
        Seconds to wait for the server on each request.

    Raises
    ------
    AuthenticationError
        A wrong or revoked token, or a wrong name or password.
    ConnectionFailed
        The server cannot be reached.

    Examples
    --------
    >>> from activelab.client import Client                       # doctest: +SKIP
    >>> with Client("http://127.0.0.1:8000", token="...") as client:  # doctest: +SKIP
    ...     project = client.create_project("reviews", "text_classification", ["pos", "neg"])
    ...     client.import_items(project["id"], ["great film", "dull plot"])
    """

    def __init__(self, url: str, token: str | None = None, *, username: str | None = None,
                 password: str | None = None, timeout: float = 60.0) -> None:
        if token is not None and (username is not None or password is not None):
            raise ConfigError("give either token= or username= and password=, not both")
        if token is None and (username is None or password is None):
            raise ConfigError("give token= (an API token) or username= and password=")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"the server URL must look like http://host:port, got {url!r}")
        self.url = url.rstrip("/")
        headers = {"User-Agent": f"activelab-client/{__version__}"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        else:
            # A session cookie's unsafe requests must come from the server's own origin.
            headers["Origin"] = f"{parts.scheme}://{parts.netloc}"
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout)
        try:
            if token is None:
                self.user = self._json("POST", "/api/auth/login",
                                       json={"username": username, "password": password})
            else:
                self.user = self._json("GET", "/api/auth/me")
        except BaseException:
            self._http.close()
            raise

    # ------------------------------------------------------------------ plumbing
    def close(self) -> None:
        """Log out (a session) and close the connections.

        The logout is best effort: a server gone meanwhile ends the session by its
        idle timeout, and an error here must not hide the one that ended a ``with``.
        """
        try:
            if "Authorization" not in self._http.headers and not self._http.is_closed:
                self._request("POST", "/api/auth/logout")
        except ActivelabError:
            pass
        finally:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client({self.url!r}, user={self.user.get('username')!r})"

    def _request(self, method: str, path: str, **options: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **options)
        except httpx.TransportError as error:
            raise connection_failed(self.url, error) from None
        if response.is_error:
            raise error_of(response)
        return response

    def _json(self, method: str, path: str, **options: Any) -> Any:
        return self._request(method, path, **options).json()

    @contextmanager
    def _stream(self, path: str, **options: Any) -> Iterator[httpx.Response]:
        try:
            with self._http.stream("GET", path, **options) as response:
                if response.is_error:
                    response.read()
                    raise error_of(response)
                yield response
        except httpx.TransportError as error:
            raise connection_failed(self.url, error) from None

    def create_token(self, name: str = "api") -> str:
        """A new API token of the logged-in user (shown only now), for ``Client(url, token)``."""
        return str(self._json("POST", "/api/auth/tokens", json={"name": name})["token"])

    # ------------------------------------------------------------------ projects
    def projects(self, archived: bool | None = None) -> list[dict[str, Any]]:
        """The projects the caller may see (``archived``: only archived / only active)."""
        params = {} if archived is None else {"archived": str(archived).lower()}
        return list(self._json("GET", "/api/projects", params=params))

    def create_project(self, name: str, task_type: str, labels: list[str] | None = None,
                       **settings: Any) -> dict[str, Any]:
        """Create a project (admins): ``task_type`` such as ``"text_classification"``,
        ``"tabular_classification"`` or ``"tabular_regression"`` (no labels; optional
        ``answer_min`` / ``answer_max``); ``settings`` as the API takes them
        (``model_name``, ``strategy_name``, ``overlap``, ``featurizer``, ``label_column``,
        ...)."""
        body = {"name": name, "task_type": task_type, "labels": list(labels or ()), **settings}
        return dict(self._json("POST", "/api/projects", json=body))

    def import_items(self, project_id: int, data: Any, *, on_duplicate: str = "skip",
                     all_or_nothing: bool = False, label_column: str | None = None,
                     format: str | None = None) -> dict[str, Any]:
        """Import items, streamed; returns the server's import report.

        Parameters
        ----------
        project_id : int
        data : DataFrame, list of str, or pathlib.Path
            A DataFrame has one row per item: numeric feature columns (tabular
            projects) or a ``text`` column, an optional ``id`` and label column.
            A list of texts makes one item per text.  A Path is a folder of
            images (sent as a zip) or a ``.csv``, ``.jsonl`` or ``.zip`` file, or an
            annotated ``.json`` (Label Studio) or ``.xml`` (Pascal VOC) file.
        on_duplicate : {"skip", "update"}
            What a row whose ``id`` the project has already does.
        all_or_nothing : bool
            Import nothing when any row is bad.
        label_column : str, optional
            The column read as pre-labels (default: the project's).
        format : str, optional
            The file's format when its extension does not say it: ``coco`` for a
            COCO ``.json`` file or zip, ``voc`` for a zip of Pascal VOC files (a
            ``.json`` file is read as a Label Studio export). Their answers become
            the caller's labels (see the server's formats page).

        Returns
        -------
        report : dict with ``inserted``, ``n_errors``, ``errors``, ``duplicates``, ...

        Raises
        ------
        DataError
            Before anything is sent: columns the server cannot import (complex
            numbers, dates, dicts, lists, bytes), empty data.
        ServerError
            The server rejected the file (``error.body["errors"]`` lists the rows).
        """
        handle, name, fmt = import_file(data)
        fmt = format or fmt
        params: dict[str, Any] = {"format": fmt, "on_duplicate": on_duplicate,
                                  "all_or_nothing": str(all_or_nothing).lower()}
        if label_column is not None:
            params["label_column"] = label_column
        with handle:
            return dict(self._json("POST", f"/api/projects/{project_id}/import", params=params,
                                   files={"file": (name, handle)}))

    # ------------------------------------------------------------------ annotation
    def next(self, project_id: int) -> dict[str, Any] | None:
        """Lease the next item to label (``id``, ``data``, ``why``, ...); None when none is left."""
        item = self._json("GET", f"/api/projects/{project_id}/next")["item"]
        return dict(item) if item is not None else None

    def label(self, project_id: int, item_id: int, value: Any = None, *,
              skip: bool = False) -> dict[str, Any]:
        """Label (or, with ``skip``, skip) an item leased to the caller by :meth:`next`."""
        body = {"item_id": item_id, "value": value, "skip": skip}
        return dict(self._json("POST", f"/api/projects/{project_id}/labels", json=body))

    def labels(self, project_id: int) -> pd.DataFrame:
        """Every active label of the project (admins), one row per label, oldest item first.

        Columns: ``label_id``, ``item_id``, ``external_id``, ``label``, ``skipped``,
        ``annotator``, ``source`` (``annotator`` or ``import``), ``created_at``.
        The server streams them, so any number of labels comes in one response.
        """
        data = self._download(f"/api/projects/{project_id}/export", params={"format": "jsonl"})
        lines = data.decode("utf-8").splitlines()
        records = [json.loads(line) for line in lines if line.strip()]
        frame = pd.DataFrame.from_records(records, columns=list(_LABEL_COLUMNS))
        frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True, format="ISO8601")
        return frame

    def export(self, project_id: int, format: str = "jsonl",
               path: str | os.PathLike[str] | None = None) -> bytes | Path:
        """Download the labels as ``jsonl``, ``csv`` or ``label-studio`` (admins); an
        image-regions project's boxes as ``coco`` (JSON) or ``voc`` (a zip of XML files);
        the project's Label Studio labelling config (``label-studio-config``); or a
        clustering project's ``clusters``: a CSV of every item's cluster.

        Returns the bytes, or, with ``path``, streams them into that file and
        returns its Path.
        """
        if format not in EXPORT_FORMATS:
            raise ConfigError(f"unknown export format {format!r}; use one of "
                              f"{', '.join(EXPORT_FORMATS)}")
        url = f"/api/projects/{project_id}/export"
        if path is None:
            return self._download(url, params={"format": format})
        self._download(url, path, params={"format": format})
        return Path(path)

    def _download(self, url: str, path: str | os.PathLike[str] | None = None,
                  **options: Any) -> bytes:
        """The body of a streamed GET; with ``path``, written there as it arrives."""
        with self._stream(url, **options) as response:
            if path is None:
                return b"".join(response.iter_bytes())
            with Path(path).open("wb") as out:
                for chunk in response.iter_bytes():
                    out.write(chunk)
            return b""

    # ------------------------------------------------------------------ the model
    def model_info(self, project_id: int) -> dict[str, Any]:
        """The project's latest model: ``version`` (None before the first), ``n_labeled``."""
        return dict(self._json("GET", f"/api/projects/{project_id}/model/info"))

    def wait_for_model(self, project_id: int, timeout: float = 120.0,
                       poll: float = 0.5) -> dict[str, Any]:
        """Wait until the project has a model (the retraining worker made one).

        Returns :meth:`model_info`; raises :class:`~activelab.exceptions.WaitTimeout`
        after ``timeout`` seconds without one.
        """
        deadline = time.monotonic() + timeout
        while True:
            info = self.model_info(project_id)
            if info["version"] is not None:
                return info
            if time.monotonic() >= deadline:
                raise WaitTimeout(
                    f"project {project_id} has no model after {timeout:g} s; a model needs "
                    "labels of at least two classes and a running retraining worker")
            time.sleep(poll)

    def download_model(self, project_id: int,
                       path: str | os.PathLike[str] | None = None) -> bytes:
        """The project's model in the skops format (admins): bytes, also written to ``path``.

        Load it with :func:`activelab.client.load_model` (or ``skops.io.loads``
        with the trusted types of docs/model-export.md).
        """
        data = self._download(f"/api/projects/{project_id}/model")
        if path is not None:
            Path(path).write_bytes(data)
        return data

    def predict(self, project_id: int, X: Any) -> pd.DataFrame:
        """Predictions of the project's model for new items (admins).

        Parameters
        ----------
        X : DataFrame, list of dict, list of str, or list of bytes/Path
            Items as the project imported them: feature columns (tabular and anomaly;
            NaN or None for a missing value), texts, images, or pairs of records
            (matching: ``{"left": {field: value}, "right": {field: value}}`` with every
            compared field, None for a missing value).

        Returns
        -------
        predictions : DataFrame
            ``prediction`` and one ``proba_<class>`` column per class; for a
            regression project ``prediction`` (a number), ``low`` and ``high`` (its
            95% interval) and ``std``; for a multi-label project (multi-label text,
            image regions) ``prediction`` is the list of labels and ``proba_<label>``
            each label's probability; for an anomaly project ``prediction``
            ("anomaly" or "normal"), ``score``, ``threshold`` and ``unusual`` (the
            features that deviate most); for a matching project ``prediction``, the
            ``proba_<answer>`` columns and ``match_probability``. For an image regions
            project, one row per box found: ``image`` (its position in X), ``x``, ``y``,
            ``w``, ``h`` (pixels), ``label`` and ``score``. The index is X's when X is a
            DataFrame.
        """
        frames, images = [], 0
        for body in predict_bodies(X):
            answer = self._json("POST", f"/api/projects/{project_id}/predict", json=body)
            if answer.get("boxes") is not None:  # image regions: one row per box found
                frames.append(pd.DataFrame(
                    [{"image": images + i, **box} for i, found in enumerate(answer["boxes"])
                     for box in found], columns=[*BOX_COLUMNS]))
                images += len(answer["boxes"])
                continue
            if answer.get("intervals") is not None:
                frame = pd.DataFrame(answer["intervals"], columns=["low", "high"])
                frame["std"] = answer["std"]
            elif answer.get("scores") is not None:  # anomaly projects
                frame = pd.DataFrame({"score": answer["scores"],
                                      "threshold": answer["threshold"],
                                      "unusual": answer["unusual"]})
            else:
                frame = pd.DataFrame(answer["probabilities"],
                                     columns=[f"proba_{name}" for name in answer["classes"]])
                if answer.get("match_probability") is not None:
                    frame["match_probability"] = answer["match_probability"]
            frame.insert(0, "prediction", answer["predictions"])
            frames.append(frame)
        result = pd.concat(frames, ignore_index=True)
        if isinstance(X, pd.DataFrame):
            result.index = X.index
        return result
