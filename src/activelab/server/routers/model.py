"""A project's trained model: its state, the model itself (skops), predictions for new items."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from ..deps import AdminUser, ProjectDep, SessionDep
from ..model_schemas import ModelInfoOut, PredictIn, PredictOut
from ..services import model_export, region_export, task_models

router = APIRouter(prefix="/api/projects/{project_id}", tags=["model"])


@router.get("/model/info", response_model=ModelInfoOut)
def model_info(project: ProjectDep, _: AdminUser, session: SessionDep) -> dict[str, Any]:
    """The project's latest model version (null before the first) and whether it exports."""
    return model_export.model_info(session, project)


@router.get("/model", response_class=Response,
            responses={200: {"content": {model_export.SKOPS_MEDIA_TYPE: {}},
                             "description": "the pipeline in the skops format"}})
def download_model(project: ProjectDep, _: AdminUser, session: SessionDep,
                   request: Request) -> Response:
    """Download the project's model: the whole pipeline from raw items to labels (skops);
    for an image regions project, its region detector (``detect`` takes grey pixels).

    Fitted on the current labels with the project's model and featurisation;
    load it with ``skops.io.load(path, trusted=[...])`` (see docs/model-export.md).
    409 before the project has a model.  Admins only.
    """
    if region_export.serves(project):
        return _download_detector(request, session, project)
    model = request.app.state.model_cache.get(session, project)
    data = model_export.dump_model(model)
    filename = f"project-{project.id}-model-v{model.version}.skops"
    return Response(data, media_type=model_export.SKOPS_MEDIA_TYPE, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Model-Version": str(model.version), "X-Model-Labels": str(model.n_labels)})


@router.post("/predict", response_model=PredictOut)
async def predict(body: PredictIn, project: ProjectDep, _: AdminUser,
                  request: Request) -> dict[str, Any]:
    """Predict labels and class probabilities for new items, featurised as in training
    (regression: values and 95% intervals; multi-label: label lists and each label's
    probability; image regions: each image's boxes in pixels with label and score).

    Send ``rows`` (tabular and anomaly: every feature column, null for a missing
    value), ``texts``, ``images`` (base64) or ``pairs`` (matching: ``{"left": {...},
    "right": {...}}`` records with every compared field), as the project's items were
    imported. Anomaly projects answer each row's verdict, score and most deviating
    features; matching projects each pair's match probability.
    422 for a row that lacks a feature or has an unknown one, or a record that lacks a
    compared field; 409 before the project has a model.  Admins only.
    """
    return await run_in_threadpool(_predict, body, project, request)


def _predict(body: PredictIn, project: Any, request: Request) -> dict[str, Any]:
    with request.app.state.session_factory() as session:
        if region_export.serves(project):
            detector = _detectors(request).get(session, project)
            return region_export.predict_boxes(detector, project, body.rows, body.texts,
                                               body.images)
        model = request.app.state.model_cache.get(session, project)
    pairs = None if body.pairs is None else [pair.model_dump() for pair in body.pairs]
    return task_models.predict_items(model, project, body.rows, body.texts, body.images, pairs)


def _detectors(request: Request) -> region_export.DetectorCache:
    """The app's fitted detectors of image regions projects (made on first use)."""
    state = request.app.state
    if not hasattr(state, "detector_cache"):
        state.detector_cache = region_export.DetectorCache()
    cache: region_export.DetectorCache = state.detector_cache
    return cache


def _download_detector(request: Request, session: Any, project: Any) -> Response:
    model = _detectors(request).get(session, project)
    filename = f"project-{project.id}-detector-v{model.version}.skops"
    return Response(region_export.dump_detector(model), media_type=model_export.SKOPS_MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "X-Model-Version": str(model.version),
                             "X-Model-Labels": str(model.n_labels)})
