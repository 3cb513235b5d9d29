"""Request and response bodies (kept apart from the database rows in ``models.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .models import Role, TaskType

__all__ = [
    "LoginIn", "UserIn", "UserOut", "TokenIn", "TokenOut", "ProjectIn", "ProjectPatch",
    "ProjectOut", "ImportReport", "LabelIn", "LabelOut", "ServedItem", "NextOut", "Progress",
    "LeaseOut", "MAX_ID", "RowId",
]

#: The largest row id: ids are 32-bit ``INTEGER`` columns on PostgreSQL.
MAX_ID = 2**31 - 1
#: A row id in a request; anything else is a 422, never a database error.
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]


class LoginIn(BaseModel):
    username: str
    password: str


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=8, max_length=256)
    role: Role = Role.annotator


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    role: Role
    is_active: bool


class TokenIn(BaseModel):
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
EVAL_FRACTION_HELP = ("share of items drawn at random as evaluation items: served among the "
                      "others, never trained on, the test set of the dashboard's accuracy "
                      "(0 turns that estimate off; a change applies to unlabelled items)")


class ProjectIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    task_type: TaskType
    labels: list[str] = Field(min_length=1, max_length=200)
    model_name: str = "logreg"
    strategy_name: str = "margin"
    overlap: int = Field(default=1, ge=1, le=50)
    members: list[RowId] = Field(default_factory=list, description="user ids of annotators")
    featurizer: Featurizer = Field(default="auto", description=FEATURIZER_HELP)
    eval_fraction: float = Field(default=0.1, ge=0, le=0.5, description=EVAL_FRACTION_HELP)


class ProjectPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    model_name: str | None = None
    strategy_name: str | None = None
    overlap: int | None = Field(default=None, ge=1, le=50)
    featurizer: Featurizer | None = Field(default=None, description=FEATURIZER_HELP)
    eval_fraction: float | None = Field(default=None, ge=0, le=0.5,
                                        description=EVAL_FRACTION_HELP)


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
    eval_fraction: float
    created_at: datetime


class ImportReport(BaseModel):
    inserted: int
    n_errors: int
    errors: list[dict[str, Any]]


class LabelIn(BaseModel):
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
