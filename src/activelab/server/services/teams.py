"""A project's team: the annotators' labels as a matrix, their agreement.

Only annotators' labels count: pre-labels read from an imported file (no
user), reviewers' labels and decisions, and skips are left out; of one
person's labels on an item, the latest active one counts.  Single-label
projects compare class names; multi-label text projects treat every (item,
class) pair as a yes/no question; box answers (image regions) are not compared.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...teams import MISSING, agreement_report, per_label_agreement
from ..models import Item, Label, LabelSource, Project, Role, TaskType, User
from .task_types import reviews_labels

__all__ = ["TeamLabels", "team_labels", "project_agreement", "labels_per_item"]


@dataclass
class TeamLabels:
    """Every person's active label per item: ``values[(item_id, user_id)]``."""

    item_ids: list[int]
    user_ids: list[int]
    values: dict[tuple[int, int], Any]

    def codes(self, classes: list[str]) -> np.ndarray:
        """Class codes, shape ``(n_items, n_users)``, ``-1`` where a user did not answer."""
        code = {name: i for i, name in enumerate(classes)}
        row = {item_id: i for i, item_id in enumerate(self.item_ids)}
        col = {user_id: j for j, user_id in enumerate(self.user_ids)}
        ratings = np.full((len(self.item_ids), len(self.user_ids)), MISSING, dtype=np.intp)
        for (item_id, user_id), value in self.values.items():
            if value in code:
                ratings[row[item_id], col[user_id]] = code[value]
        return ratings

    def indicators(self, classes: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Multi-label answers: chosen (items, users, classes) and answered (items, users)."""
        code = {name: i for i, name in enumerate(classes)}
        row = {item_id: i for i, item_id in enumerate(self.item_ids)}
        col = {user_id: j for j, user_id in enumerate(self.user_ids)}
        chosen = np.zeros((len(self.item_ids), len(self.user_ids), len(classes)), dtype=bool)
        answered = np.zeros(chosen.shape[:2], dtype=bool)
        for (item_id, user_id), value in self.values.items():
            i, j = row[item_id], col[user_id]
            answered[i, j] = True
            for name in value if isinstance(value, list) else []:
                if name in code:
                    chosen[i, j, code[name]] = True
        return chosen, answered


def team_labels(session: Session, project_id: int, user_ids: set[int] | None = None
                ) -> TeamLabels:
    """The people's active labels of a project (only of ``user_ids`` when given)."""
    query = (select(Label.item_id, Label.user_id, Label.value)
             .join(User, User.id == Label.user_id)
             .where(Label.project_id == project_id, Label.undone.is_(False),
                    User.role != Role.reviewer.value,
                    Label.is_skip.is_(False), Label.user_id.is_not(None),
                    Label.source == LabelSource.annotator.value)
             .order_by(Label.id))
    values: dict[tuple[int, int], Any] = {}
    for item_id, user_id, value in session.execute(query):
        if user_ids is None or user_id in user_ids:
            values[(item_id, user_id)] = value  # later rows win
    return TeamLabels(item_ids=sorted({i for i, _ in values}),
                      user_ids=sorted({u for _, u in values}), values=values)


def _reviewed_accuracy(session: Session, project_id: int, labels: TeamLabels
                       ) -> dict[int, tuple[int, int]]:
    """User id -> (labels equal to the reviewer's decision, labels on reviewed items)."""
    decisions: dict[int, Any] = {}
    for item_id, value in session.execute(
            select(Label.item_id, Label.value).where(
                Label.project_id == project_id, Label.undone.is_(False),
                Label.source == LabelSource.review.value).order_by(Label.id)):
        decisions[item_id] = value
    tally = {user_id: (0, 0) for user_id in labels.user_ids}
    for (item_id, user_id), value in labels.values.items():
        if item_id in decisions:
            right, seen = tally[user_id]
            tally[user_id] = (right + (value == decisions[item_id]), seen + 1)
    return tally


def labels_per_item(session: Session, project: Project, labels: TeamLabels
                    ) -> dict[str, Any]:
    """How many annotators labelled each labelled item (gold questions aside): the mean
    and how many items have 1, 2, ... labels; with the project's overlap and its policy."""
    gold = set(session.scalars(select(Item.id).where(Item.project_id == project.id,
                                                     Item.is_gold.is_(True))))
    per_item = Counter(item_id for item_id, _ in labels.values if item_id not in gold)
    spread = Counter(per_item.values())
    return {"overlap": project.overlap, "overlap_policy": project.overlap_policy,
            "items": len(per_item), "labels": sum(per_item.values()),
            "mean": round(sum(per_item.values()) / len(per_item), 4) if per_item else None,
            "items_with": {str(k): spread[k] for k in sorted(spread)}}


def _number(value: Any) -> float | None:
    """JSON has no NaN: an undefined figure is null."""
    value = float(value)
    return None if math.isnan(value) else round(value, 6)


def project_agreement(session: Session, project: Project, full: bool) -> dict[str, Any]:
    """Agreement figures of a project's annotators over the items with two labels or more.

    ``full`` adds the per-pair and per-annotator figures (admins); without it only
    the team's overall and per-class figures are given.
    """
    answer: dict[str, Any] = {"scope": "full" if full else "aggregate", "min_labels": 2,
                              "n_items_used": 0, "n_annotators": 0, "fleiss_kappa": None,
                              "krippendorff_alpha": None, "per_class": [], "detail": ""}
    if full:
        answer |= {"pairwise_cohen_kappa": [], "annotators": []}
    answer["labels_per_item"] = None
    if project.task_type == TaskType.image_regions:
        answer["detail"] = "agreement on drawn boxes is not measured"
        return answer
    if reviews_labels(project.task_type):
        answer["detail"] = "agreement on reviews of given labels is not measured"
        return answer
    labels = team_labels(session, project.id)
    answer["labels_per_item"] = labels_per_item(session, project, labels)
    classes = list(project.labels)
    if project.task_type == TaskType.multilabel_text:
        chosen, answered = labels.indicators(classes)
        per_label = per_label_agreement(chosen, answered)
        # Every (item, class) pair is a yes/no question for the overall figures.
        binary = np.where(answered[:, :, None], chosen.astype(np.intp), MISSING)
        ratings = binary.transpose(0, 2, 1).reshape(-1, binary.shape[1])
        report = agreement_report(ratings, 2)
        shared = answered.sum(axis=1) >= 2
        report.n_items_used = int(shared.sum())
        report.annotator_labels = answered[shared].sum(axis=0)
        per_class_fleiss, per_class_alpha = (per_label["fleiss_kappa"],
                                             per_label["krippendorff_alpha"])
    else:
        report = agreement_report(labels.codes(classes), len(classes))
        per_class_fleiss = report.fleiss_kappa_per_class
        per_class_alpha = report.krippendorff_alpha_per_class
    answer["n_items_used"] = report.n_items_used
    answer["n_annotators"] = len(labels.user_ids)
    if report.n_items_used == 0:
        answer["detail"] = ("no item has labels from two annotators yet: agreement needs "
                            "items labelled more than once (set the project's overlap to 2 "
                            "or more)")
        return answer
    answer["fleiss_kappa"] = _number(report.fleiss_kappa)
    answer["krippendorff_alpha"] = _number(report.krippendorff_alpha)
    answer["per_class"] = [
        {"label": name, "fleiss_kappa": _number(f), "krippendorff_alpha": _number(a)}
        for name, f, a in zip(classes, per_class_fleiss, per_class_alpha, strict=True)]
    if full:
        names = {user_id: name for user_id, name in session.execute(
            select(User.id, User.username).where(User.id.in_(labels.user_ids)))}
        users = [names.get(u, str(u)) for u in labels.user_ids]
        kappa, common = report.pairwise_cohen_kappa, report.pairwise_common_items
        answer["pairwise_cohen_kappa"] = [
            {"a": users[a], "b": users[b], "kappa": _number(kappa[a, b]),
             "common_items": int(common[a, b])}
            for a in range(len(users)) for b in range(a + 1, len(users)) if common[a, b] > 0]
        reviewed = _reviewed_accuracy(session, project.id, labels)
        answer["annotators"] = [
            {"annotator": users[a], "labels_on_shared_items": int(report.annotator_labels[a]),
             "mean_cohen_kappa": _number(report.annotator_mean_kappa[a]),
             "agreement": _number(report.annotator_agreement[a]),
             "reviewed_items": reviewed[user_id][1],
             "accuracy_on_reviewed": (reviewed[user_id][0] / reviewed[user_id][1]
                                      if reviewed[user_id][1] else None)}
            for a, user_id in enumerate(labels.user_ids)]
    return answer
