"""The demo project: scikit-learn's bundled digits as an image-classification task."""

from __future__ import annotations

import io
import random
from typing import Any

import numpy as np
from PIL import Image
from sklearn.datasets import load_digits
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ..db import write_transaction
from ..models import Item, Project, Role, TaskType, User
from ..security import hash_password, new_password
from .accounts import set_password_hash
from .importing import insert_items
from .projects import create_project
from .users import create_user

__all__ = ["ensure_demo", "DEMO_PROJECT", "DEMO_ADMIN", "digit_png"]

DEMO_PROJECT = "Digits (demo)"
DEMO_ADMIN = "admin"
#: The 8x8 digits are scaled up so they are visible in a browser.
DEMO_IMAGE_SIDE = 64


def digit_png(pixels: np.ndarray) -> bytes:
    """An 8x8 digit (values 0-16) rendered as a grayscale PNG, dark ink on white."""
    gray = (255 - np.clip(pixels.reshape(8, 8), 0, 16) * (255 / 16)).astype(np.uint8)
    image = Image.fromarray(gray).resize((DEMO_IMAGE_SIDE, DEMO_IMAGE_SIDE),
                                          Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def ensure_demo(factory: sessionmaker[Session], *, reset_password: bool = False
                ) -> dict[str, Any]:
    """Create (idempotently) the demo admin and the digits project.

    Parameters
    ----------
    factory : session factory of the server's database
    reset_password : give the existing demo admin a fresh generated password
        (only the demo admin's; nothing else changes)

    Returns ``{"project_id", "admin", "password"}``; ``password`` is the
    generated admin password when the admin was created (or its password
    reset) now, else None (the existing password is kept: only its hash is
    stored, so it cannot be shown again).
    """
    password = None
    with write_transaction(factory) as session:
        admin = session.scalar(select(User).where(User.username == DEMO_ADMIN))
        if admin is None:
            password = new_password()
            admin = create_user(session, DEMO_ADMIN, password, Role.admin)
        elif reset_password:
            password = new_password()
            set_password_hash(session, admin, hash_password(password))  # ends its sessions
            admin.is_active = True
        project = session.scalar(select(Project).where(Project.name == DEMO_PROJECT))
        if project is None:
            project = create_project(
                session, name=DEMO_PROJECT, task_type=TaskType.image_classification,
                labels=[str(d) for d in range(10)], description="scikit-learn's 8x8 digits",
                model_name="logreg", strategy_name="margin", members=[admin.id])
        project_id = project.id
        has_items = session.scalar(select(func.count()).select_from(Item)
                                   .where(Item.project_id == project_id))
        if not has_items:
            _insert_digits(session, project_id)
    return {"project_id": project_id, "admin": DEMO_ADMIN, "password": password}


def _insert_digits(session: Session, project_id: int) -> None:
    digits = load_digits()
    rng = random.Random(0)
    rows = [{"project_id": project_id, "external_id": f"digit-{i}",
             "data": {"width": DEMO_IMAGE_SIDE, "height": DEMO_IMAGE_SIDE},
             "image": digit_png(pixels), "image_mime": "image/png",
             "random_key": rng.random(), "n_labels": 0}
            for i, pixels in enumerate(digits.data)]
    for start in range(0, len(rows), 500):
        insert_items(session, rows[start:start + 500])
