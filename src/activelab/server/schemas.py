"""Request and response bodies (kept apart from the database rows in ``models.py``).

Every request body derives from :class:`RequestModel`: strict types, so
``"yes"`` is not a boolean and ``true`` is not an id.  Its strings arrive
free of NUL characters and lone surrogates and its numbers finite, because
each JSON body is parsed strictly first (``strict_input``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from ..exceptions import ConfigError
from .models import Role, TaskType
from .services.project_rules import MAX_NAME_LENGTH, check_label_set, clean_project_name

__all__ = [
    "LoginIn", "UserIn", "UserOut", "TokenIn", "TokenOut", "ProjectIn", "ProjectPatch",
    "ProjectOut", "ImportReport", "LabelIn", "LabelOut", "ServedItem", "NextOut", "Progress",
    "LeaseOut", "MAX_ID", "RowId", "RequestModel", "ByValue", "MemberOut", "AuditEventOut",
    "PrelabelOut", "PrelabelPage", "ReviewIn", "DeleteIn", "LabelColumn", "GoldIn",
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
AGGREGATION_HELP = ("how several annotators' labels of an item become the one trained on and "
                    "exported: 'majority', 'dawid-skene' or 'model-consensus'")
OVERLAP_POLICY_HELP = ("'fixed' (default): every item gets 'overlap' labels; 'adaptive': an "
                       "item gets another label, up to 'overlap' (2 or more), only while its "
                       "label is in doubt (it disagrees with a confident model, the item is "
                       "hard, or its annotator is unreliable)")
GOLD_RATE_HELP = ("share of each annotator's items that are gold questions (items with a "
                  "known answer, served like any other), 0 to 0.5; 0 serves none")
GOLD_MIN_ACCURACY_HELP = ("annotators whose accuracy on gold questions is below this share "
                          "are flagged to admins")
ANSWER_RANGE_HELP = ("regression: the smallest / largest accepted answer (leave out: "
                     "unbounded); an answer outside is refused")
STREAM_RATE_HELP = ("stream-based selective sampling: the largest share of the items "
                    "POSTed to /stream that are asked (leave out: the project takes no stream)")
STREAM_BUDGET_HELP = "stream: the most items the stream may ask in all (leave out: no cap)"
N_CLUSTERS_HELP = ("clustering projects (required there): how many clusters the items form, "
                   "an integer of at least 2 and no more than the items")
EVAL_FRACTION_HELP = ("share of items drawn at random as evaluation items: served among the "
                      "others, never trained on, the test set of the dashboard's accuracy "
                      "(0 turns that estimate off; a change applies to unlabelled items)")


def _checked(rule: Any, *args: Any) -> Any:
    """``rule(*args)``, its ConfigError as a validation error whose message is the rule's own."""
    try:
        return rule(*args)
    except ConfigError as error:
        raise PydanticCustomError("invalid_project", str(error)) from None


#: A column name of an import file (CSV header or JSON key).
LabelColumn = Annotated[str, Field(min_length=1, max_length=80)]
LABEL_COLUMN_HELP = ("the import column read as a pre-label instead of a feature "
                     "(an import may name another)")


#: What the queue of an image regions project serves (services/box_actions.py).
RegionQueue = Literal["images", "regions"]
REGION_QUEUE_HELP = ("image regions: serve whole images to annotate fully, or single "
                     "proposed regions to confirm, relabel or reject")


class ProjectIn(RequestModel):
    name: str = Field(min_length=1, max_length=MAX_NAME_LENGTH)
    description: str = Field(default="", max_length=10_000)
    task_type: Annotated[TaskType, ByValue]
    labels: list[LabelName] = Field(default_factory=list, max_length=200, description="at least "
                                    "two, except for image regions (one kind of box is "
                                    "enough) and regression (none: answers are numbers)")
    model_name: str | None = Field(default=None, max_length=80,
                                   description="default: the task's (logreg; ridge)")
    strategy_name: str | None = Field(default=None, max_length=80,
                                      description="default: the task's (margin; igs)")
    overlap: int = Field(default=1, ge=1, le=50)
    members: list[RowId] = Field(default_factory=list, description="user ids of annotators")
    featurizer: Featurizer = Field(default="auto", description=FEATURIZER_HELP)
    label_column: LabelColumn = Field(default="label", description=LABEL_COLUMN_HELP)
    eval_fraction: float = Field(default=0.1, ge=0, le=0.5, description=EVAL_FRACTION_HELP)
    answer_min: float | None = Field(default=None, description=ANSWER_RANGE_HELP)
    answer_max: float | None = Field(default=None, description=ANSWER_RANGE_HELP)
    stream_rate: float | None = Field(default=None, gt=0, le=1, description=STREAM_RATE_HELP)
    stream_budget: int | None = Field(default=None, ge=1, le=10**9,
                                      description=STREAM_BUDGET_HELP)
    n_clusters: int | None = Field(default=None, le=10**6, description=N_CLUSTERS_HELP)
    region_queue: RegionQueue = Field(default="images", description=REGION_QUEUE_HELP)

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, name: str) -> str:
        return _checked(clean_project_name, name)

    @field_validator("labels")
    @classmethod
    def _labels_fit_the_task(cls, labels: list[str], info: ValidationInfo) -> list[str]:
        task_type = info.data.get("task_type")
        if task_type is None:  # reported as a task_type error already
            return labels
        return _checked(check_label_set, task_type, labels)


class ProjectPatch(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=MAX_NAME_LENGTH)
    description: str | None = Field(default=None, max_length=10_000)
    model_name: str | None = Field(default=None, max_length=80)
    strategy_name: str | None = Field(default=None, max_length=80)
    overlap: int | None = Field(default=None, ge=1, le=50)
    aggregation: str | None = Field(default=None, max_length=40, description=AGGREGATION_HELP)
    overlap_policy: str | None = Field(default=None, max_length=40,
                                       description=OVERLAP_POLICY_HELP)
    featurizer: Featurizer | None = Field(default=None, description=FEATURIZER_HELP)
    label_column: LabelColumn | None = Field(default=None, description=LABEL_COLUMN_HELP)
    eval_fraction: float | None = Field(default=None, ge=0, le=0.5,
                                        description=EVAL_FRACTION_HELP)
    answer_min: float | None = Field(default=None, description=ANSWER_RANGE_HELP)
    answer_max: float | None = Field(default=None, description=ANSWER_RANGE_HELP)
    stream_rate: float | None = Field(default=None, gt=0, le=1, description=STREAM_RATE_HELP)
    stream_budget: int | None = Field(default=None, ge=1, le=10**9,
                                      description=STREAM_BUDGET_HELP)
    gold_rate: float | None = Field(default=None, ge=0, le=0.5, description=GOLD_RATE_HELP)
    gold_min_accuracy: float | None = Field(default=None, ge=0, le=1,
                                            description=GOLD_MIN_ACCURACY_HELP)
    n_clusters: int | None = Field(default=None, le=10**6, description=N_CLUSTERS_HELP)
    region_queue: RegionQueue | None = Field(default=None, description=REGION_QUEUE_HELP)

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, name: str | None) -> str | None:
        return None if name is None else _checked(clean_project_name, name)


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
    overlap_policy: str
    aggregation: str
    gold_rate: float
    gold_min_accuracy: float
    featurizer: str
    label_column: str
    archived: bool = Field(description="an archived project serves no items; it still exports")
    archived_at: datetime | None
    eval_fraction: float
    answer_min: float | None = None
    answer_max: float | None = None
    stream_rate: float | None = None
    stream_budget: int | None = None
    n_clusters: int | None = None
    region_queue: str = "images"
    created_at: datetime


class ImportReport(BaseModel):
    inserted: int
    n_errors: int
    errors: list[dict[str, Any]]
    duplicates: int = Field(0, description="rows whose id the project has already, skipped "
                            "(on_duplicate=skip)")
    updated: int = Field(0, description="items updated from rows with a known id "
                         "(on_duplicate=update)")
    prelabels: int = Field(0, description="pre-labels stored from the label column (or "
                           "from Label Studio predictions)")
    labels: int = Field(0, description="labels stored for the importing admin from the "
                        "file's answers (Label Studio, COCO, VOC)")
    matched: int = Field(0, description="items the project had already that the file "
                         "labels (matched by external id)")
    unchanged: int = Field(0, description="answers of the file the project holds already")
    feature_columns: list[str] = Field(default_factory=list, description="the columns the "
                                       "model and the annotators see")
    label_column: str | None = Field(None, description="the column read as pre-labels, when "
                                     "the file has it")
    warnings: list[str] = Field(default_factory=list)
    candidate_pairs: int | None = Field(None, description="clustering projects: the pair "
                                        "questions the import added")

    cancelled: bool = Field(default=False, description="the import was stopped between "
                            "batches (the server is shutting down): the batches committed "
                            "before stay")

class MemberOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    role: Role


class AuditEventOut(BaseModel):
    """One audit record; ``id`` is null for a label's own event (``detail.label_id``)."""

    model_config = ConfigDict(from_attributes=True)

    id: int | None
    user_id: int | None
    username: str
    action: str
    project_id: int | None
    project_name: str
    detail: dict[str, Any]
    created_at: datetime


class PrelabelOut(BaseModel):
    label_id: int
    item_id: int
    external_id: str | None
    value: Any
    created_at: datetime


class PrelabelPage(BaseModel):
    total: int = Field(description="active pre-labels of the project")
    items: list[PrelabelOut]


class ReviewIn(RequestModel):
    value: Any = Field(default=None, description="the corrected label; leave out to confirm "
                       "the pre-label as it is")


class GoldIn(RequestModel):
    """Mark an item as a gold question (``answer``) or unmark it (``answer`` null)."""

    item_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    external_id: str | None = Field(default=None, min_length=1, max_length=200)
    answer: Any = Field(default=None, description="the item's known answer (a label of the "
                        "project); null unmarks the item")


class DeleteIn(RequestModel):
    confirm: str = Field(max_length=MAX_NAME_LENGTH, description="the project's exact name")


class LabelIn(RequestModel):
    item_id: RowId
    value: Any = Field(default=None, description="a class name, a list of class names "
                       "(multi-label), a list of boxes {x, y, w, h, label} in [0, 1] or a "
                       "number (regression, within the project's answer range)")
    skip: bool = False
    box_actions: dict[str, Any] | None = Field(
        default=None, description="image regions: what was done with the model's proposed "
        "boxes: {origins: [accepted|corrected|drawn per box], rejected: n}, or for one "
        "proposed region {verdict: confirmed|relabelled|rejected, region: {x, y, w, h, "
        "label}}")


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
    why: dict[str, Any] = Field(description="strategy, what it did at the retrain that "
                                "scored the item (strategy_note, e.g. auto sampling at "
                                "random), its score, the model's guess and probability, "
                                "model version (null before the first model)")
    previous: dict[str, Any] | None = Field(default=None, description="after an undo: the "
                                            "label that was undone")


class NextOut(BaseModel):
    item: ServedItem | None
    progress: Progress
