"""The Label Studio side of a project: its labelling config, and the names its tasks use.

A project's Label Studio export (``services/exporting.py``) and import
(``services/label_studio_import.py``) use the tag names written here, so a
Label Studio project created from :func:`label_studio_config` accepts the
export as it is:

=======================  ============================  =========================
project type             object tag (``data`` key)     control tag (result type)
=======================  ============================  =========================
text, text regression    ``Text`` (``text``)           ``Choices`` / ``Number``
image classification     ``Image`` (``image``)         ``Choices``
image regions            ``Image`` (``image``)         ``RectangleLabels``
tabular, anomaly         ``Table`` (``table``)         ``Choices`` / ``Number``
matching                 ``Table`` ×2 (``left``,       ``Choices``
                         ``right``)
=======================  ============================  =========================

A multi-label project's ``Choices`` take several answers (``choice="multiple"``);
a cleaning project's take its labels (the label an item is left with after review).
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from ..models import Project, TaskType
from .task_types import data_kind, takes_numbers

__all__ = ["label_studio_config", "object_name", "control_name", "result_type"]


def object_name(task_type: str) -> str:
    """The object tag's name, which is also the task's ``data`` key (``left`` for pairs)."""
    return {"image": "image", "tabular": "table", "pair": "left"}.get(data_kind(task_type),
                                                                     "text")


def control_name(task_type: str) -> str:
    """The control tag's name: a result's ``from_name``."""
    return "value" if takes_numbers(task_type) else "label"


def result_type(task_type: str) -> str:
    """The type of the results the project's answers become."""
    if task_type == TaskType.image_regions:
        return "rectanglelabels"
    return "number" if takes_numbers(task_type) else "choices"


def _objects(view: ElementTree.Element, task_type: str) -> None:
    kind = data_kind(task_type)
    if kind == "pair":
        for side in ("left", "right"):
            ElementTree.SubElement(view, "Header", value=f"{side} record")
            ElementTree.SubElement(view, "Table", name=side, value=f"${side}")
        return
    tag = {"image": "Image", "tabular": "Table"}.get(kind, "Text")
    name = object_name(task_type)
    ElementTree.SubElement(view, tag, name=name, value=f"${name}")


def label_studio_config(project: Project) -> str:
    """The labelling config XML of a Label Studio project that takes ``project``'s export.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> project = SimpleNamespace(task_type="text_classification", labels=["pos", "neg"],
    ...                           answer_min=None, answer_max=None)
    >>> print(label_studio_config(project))  # doctest: +NORMALIZE_WHITESPACE
    <View>
      <Text name="text" value="$text" />
      <Choices name="label" toName="text" choice="single" showInline="true">
        <Choice value="pos" />
        <Choice value="neg" />
      </Choices>
    </View>
    """
    task_type = project.task_type
    view = ElementTree.Element("View")
    _objects(view, task_type)
    to_name = object_name(task_type)
    if takes_numbers(task_type):
        number = ElementTree.SubElement(view, "Number", name=control_name(task_type),
                                        toName=to_name, required="true")
        for key, bound in (("min", project.answer_min), ("max", project.answer_max)):
            if bound is not None:
                number.set(key, f"{bound:g}")
    else:
        if task_type == TaskType.image_regions:
            control = ElementTree.SubElement(view, "RectangleLabels",
                                             name=control_name(task_type), toName=to_name)
            child = "Label"
        else:
            multiple = task_type == TaskType.multilabel_text
            control = ElementTree.SubElement(
                view, "Choices", name=control_name(task_type), toName=to_name,
                choice="multiple" if multiple else "single", showInline="true")
            child = "Choice"
        for label in project.labels or ():
            ElementTree.SubElement(control, child, value=label)
    ElementTree.indent(view)
    return ElementTree.tostring(view, encoding="unicode") + "\n"
