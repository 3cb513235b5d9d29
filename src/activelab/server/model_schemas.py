"""Request and response bodies of the model endpoints: model info and predictions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .schemas import RequestModel
from .services.model_export import MAX_PREDICT_ITEMS

__all__ = ["PredictIn", "PredictOut", "ModelInfoOut", "RecordPair"]

#: A feature column's name, as imported.
ColumnName = Annotated[str, Field(min_length=1, max_length=200)]
#: One tabular item: feature name -> number (null: missing, imputed as in training).
FeatureRow = Annotated[dict[ColumnName, float | None], Field(max_length=1000)]
#: The import's limit of one field (``import_max_field_chars``' default).
MAX_TEXT_CHARS = 131_072
#: A base64 image (or data: URI); the import's 20 MB image limit, encoded.
MAX_IMAGE_CHARS = 28_000_000


#: A field of a record (matching projects): text, a number, or null when missing.
FieldValue = Annotated[str, Field(max_length=MAX_TEXT_CHARS)] | float | None
#: One record of a pair: compared field -> value.
Record = Annotated[dict[ColumnName, FieldValue], Field(max_length=1000)]


class RecordPair(RequestModel):
    """Two records that may be the same entity (matching projects)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    left: Record
    right: Record


class UnusualFeature(BaseModel):
    feature: str
    value: float
    deviation: float = Field(description="distance from the feature's median over the "
                             "project's items, in robust standard deviations")


class PredictIn(RequestModel):
    """New items, in the form the project imported them: exactly one of the three."""

    model_config = ConfigDict(strict=True, extra="forbid")  # a misspelt field is an error

    rows: list[FeatureRow] | None = Field(
        default=None, min_length=1, max_length=MAX_PREDICT_ITEMS,
        description="tabular projects: one object of feature values per item")
    texts: list[Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS)]] | None = Field(
        default=None, min_length=1, max_length=MAX_PREDICT_ITEMS,
        description="text projects: one text per item")
    images: list[Annotated[str, Field(min_length=1, max_length=MAX_IMAGE_CHARS)]] | None = \
        Field(default=None, min_length=1, max_length=32,
              description="image projects: base64-encoded images (or data: URIs)")

    pairs: list[RecordPair] | None = Field(
        default=None, min_length=1, max_length=MAX_PREDICT_ITEMS,
        description="matching projects: pairs of records, {'left': {...}, 'right': {...}}")

    @model_validator(mode="after")
    def _one_kind(self) -> PredictIn:
        if sum(v is not None for v in (self.rows, self.texts, self.images, self.pairs)) != 1:
            raise ValueError("send exactly one of 'rows', 'texts', 'images' or 'pairs'")
        return self


class PredictOut(BaseModel):
    model_version: int = Field(description="the project's latest model snapshot")
    n_labels: int = Field(description="labels the model was fitted on")
    classes: list[str] = Field(description="the order of each item's probabilities "
                               "(empty for regression)")
    predictions: list[str] | list[float] | list[list[str]] = Field(
        description="a class per item; a number for regression projects; the list of "
                    "labels for multi-label projects (multi-label text, image regions); "
                    "'anomaly' or 'normal' for anomaly projects")
    probabilities: list[list[float]] | None = Field(
        default=None, description="classification: each item's class probabilities; "
                                  "multi-label: each label's probability")
    intervals: list[list[float]] | None = Field(
        default=None, description="regression: each value's 95% interval [low, high]")
    std: list[float] | None = Field(
        default=None, description="regression: each value's predictive standard deviation")
    boxes: list[list[dict[str, Any]]] | None = Field(
        default=None, description="image regions: each image's boxes, best first, in pixels "
                                  "{x, y, w, h, label, score} (left, top, width, height)")
    scores: list[float] | None = Field(
        default=None, description="anomaly: each item's anomaly score in [0, 1]")
    threshold: float | None = Field(
        default=None, description="anomaly: scores above it are predicted anomalies")
    unusual: list[list[UnusualFeature]] | None = Field(
        default=None, description="anomaly: each item's features that deviate most")
    match_probability: list[float] | None = Field(
        default=None, description="matching: each pair's probability of being one entity")


class ModelInfoOut(BaseModel):
    version: int | None = Field(description="the latest model snapshot; null before the first")
    n_labeled: int
    created_at: datetime | None
    model_name: str
    exportable: bool = Field(description="whether GET .../model and POST .../predict serve "
                             "this project's model")
