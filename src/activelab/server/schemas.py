"""Request and response bodies (kept apart from the database rows in ``models.py``).

Every request body derives from :class:`RequestModel`: strict types, so
``"yes"`` is not a boolean and ``true`` is not an id.  Its strings arrive
free of NUL characters and lone surrogates and its numbers finite, because
each JSON body is parsed strictly first (``strict_input``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict

from .models import Role, TaskType

__all__ = [
    "LoginIn", "UserIn", "UserOut", "TokenIn", "TokenOut", "ProjectIn", "ProjectPatch",
    "ProjectOut", "ImportReport", "LabelIn", "LabelOut", "ServedItem", "NextOut", "Progress",
    "LeaseOut", "MAX_ID", "RowId", "RequestModel", "ByValue",
]

#: The largest row id: ids are 32-bit ``INTEGER`` columns on PostgreSQL.
MAX_ID = 2**31 - 1
#: A row id in a request; anything else is a 422, never a database error.
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
#: Marks a field of a :class:`RequestModel` whose JSON form is a string standing for
#: another type (an enum, a datetime, a UUID), which strict mode alone would refuse:
#: ``role: Annotated[Role, ByValue]``.
ByValue = Strict(False)
#: A label name, as a project declares it.
LabelName = Annotated[str, Field(min_length=1, max_length=200)]


class RequestModel(BaseModel):
    """Base of every request body: no type coercion (``"1"`` is not 1, ``1`` is not ``true``).

    A new request schema derives from it; enum, datetime and UUID fields are
    annotated ``Annotated[MyEnum, ByValue]``.  Give every string a ``max_length``.
    """

    model_config = ConfigDict(strict=True)


class LoginIn(RequestModel):
    username: str = Field(max_length=200)
    password: str = Field(max_length=1024)


class UserIn(RequestModel):
    username: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=8, max_length=256)
    role: Annotated[Role, ByValue] = Role.annotator


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    role: Role
    is_active: bool


class TokenIn(RequestModel):
    name: str = Field(default="api", min_length=1, max_length=80)


class TokenOut(BaseModel):
    id: int
    name: str
    token: str | None = Field(default=None, description="shown once, at creation")
    created_at: datetime


Featurizer = Literal["auto", "embeddings"]
FEATURIZER_HELP = ("'auto': TF-IDF for text, downscaled pixels for images, numeric columns "
                   "for tables; 'embeddings': sentence embeddings for text projects (needs "
                   "the 'embeddings' extra)")


class ProjectIn(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    task_type: Annotated[TaskType, ByValue]
    labels: list[LabelName] = Field(min_length=1, max_length=200)
    model_name: str = Field(default="logreg", max_length=80)
    strategy_name: str = Field(default="margin", max_length=80)
    overlap: int = Field(default=1, ge=1, le=50)
    members: list[RowId] = Field(default_factory=list, description="user ids of annotators")
    featurizer: Featurizer = Field(default="auto", description=FEATURIZER_HELP)


class ProjectPatch(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    model_name: str | None = Field(default=None, max_length=80)
    strategy_name: str | None = Field(default=None, max_length=80)
    overlap: int | None = Field(default=None, ge=1, le=50)
    featurizer: Featurizer | None = Field(default=None, description=FEATURIZER_HELP)


class ProjectOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str
    task_type: TaskType
    labels: list[str]
    model_name: str
    strategy_name: str
    overlap: int
    featurizer: str
    created_at: datetime


class ImportReport(BaseModel):
    inserted: int
    n_errors: int
    errors: list[dict[str, Any]]
    cancelled: bool = Field(default=False, description="the import was stopped between "
                            "batches (the server is shutting down): the batches committed "
                            "before stay")


class LabelIn(RequestModel):
    item_id: RowId
    value: Any = Field(default=None, description="a class name, a list of class names "
                       "(multi-label) or a list of boxes {x, y, w, h, label} in [0, 1]")
    skip: bool = False


class LabelOut(BaseModel):
    id: int
    item_id: int
    value: Any
    is_skip: bool
    created_at: datetime


class Progress(BaseModel):
    done: int
    total: int
    mine: int


class LeaseOut(BaseModel):
    item_id: int
    expires_at: datetime


class ServedItem(BaseModel):
    id: int
    external_id: str | None
    data: dict[str, Any]
    image_url: str | None
    lease_expires_at: datetime
    why: dict[str, Any] = Field(description="strategy, its score, the model's guess and "
                                "probability, model version (null before the first model)")
    previous: dict[str, Any] | None = Field(default=None, description="after an undo: the "
                                            "label that was undone")


class NextOut(BaseModel):
    item: ServedItem | None
    progress: Progress
