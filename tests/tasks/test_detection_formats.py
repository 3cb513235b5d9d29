"""COCO, Pascal VOC and Label Studio rectangles: round trips, and bad files refused clearly."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from activelab.exceptions import DataError, InvalidAnswerError, UnknownLabelError
from activelab.tasks.detection import (
    AnnotatedImage,
    export_coco,
    export_label_studio,
    export_voc,
    import_coco,
    import_label_studio,
    import_voc,
    read_image,
)

LABELS = ["cat", "dog"]
IMAGES = [
    AnnotatedImage("a.png", 64, 48, [{"x": 0.125, "y": 0.25, "w": 0.5, "h": 0.5, "label": "cat"},
                                     {"x": 0.0, "y": 0.0, "w": 1.0, "h": 1.0, "label": "dog"}]),
    AnnotatedImage("b.png", 30, 20, []),
    AnnotatedImage("c.jpg", 10, 10, [{"x": 0.3, "y": 0.4, "w": 0.2, "h": 0.6, "label": "dog"}]),
]


def _png(width, height):
    out = io.BytesIO()
    Image.new("L", (width, height), 128).save(out, "PNG")
    return out.getvalue()


def _coco():
    return {
        "images": [{"id": 7, "file_name": "x.png", "width": 40, "height": 20},
                   {"id": 9, "file_name": "y.png", "width": 10, "height": 10}],
        "annotations": [{"id": 1, "image_id": 7, "category_id": 3, "bbox": [4, 2, 10, 8]},
                        {"id": 2, "image_id": 9, "category_id": 5, "bbox": [0, 0, 10, 10]}],
        "categories": [{"id": 3, "name": "cat"}, {"id": 5, "name": "dog"}]}


def _boxes_in_pixels(doc):
    names = {c["id"]: c["name"] for c in doc["categories"]}
    files = {i["id"]: i["file_name"] for i in doc["images"]}
    return sorted((files[a["image_id"]], names[a["category_id"]], *a["bbox"])
                  for a in doc["annotations"])


def test_import_coco_then_export_coco_gives_the_same_boxes():
    original = _coco()
    images, labels = import_coco(json.dumps(original))
    assert labels == ["cat", "dog"]
    assert images[0].boxes == [{"x": 0.1, "y": 0.1, "w": 0.25, "h": 0.4, "label": "cat"}]
    again = export_coco(images, labels)
    assert _boxes_in_pixels(again) == _boxes_in_pixels(original)
    assert [(i["file_name"], i["width"], i["height"]) for i in again["images"]] == [
        ("x.png", 40, 20), ("y.png", 10, 10)]
    assert import_coco(json.dumps(again)) == (images, labels)


def test_an_empty_set_exports_valid_coco():
    doc = json.loads(json.dumps(export_coco([], LABELS)))
    assert doc == {"images": [], "annotations": [],
                   "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}]}
    assert import_coco(doc) == ([], LABELS)


def test_every_format_round_trips_the_same_images():
    images, labels = import_coco(json.dumps(export_coco(IMAGES, LABELS)))
    assert images == IMAGES and labels == LABELS
    assert [import_voc(export_voc(image, LABELS), LABELS) for image in IMAGES] == IMAGES
    studio = json.dumps(export_label_studio(IMAGES, LABELS))
    # Label Studio gives an image's size only with its boxes: an image without one is
    # left out.
    assert import_label_studio(studio, LABELS) == [IMAGES[0], IMAGES[2]]


def test_voc_writes_one_based_inclusive_corners():
    text = export_voc(IMAGES[2])
    assert "<xmin>4</xmin>" in text and "<xmax>5</xmax>" in text
    assert "<ymin>5</ymin>" in text and "<ymax>10</ymax>" in text


def test_coco_checks_image_files_when_given():
    doc = _coco()
    images, _ = import_coco(doc, files={"x.png": _png(40, 20), "y.png": _png(10, 10)})
    assert len(images) == 2
    with pytest.raises(DataError, match="image 'y.png' is not a readable image"):
        import_coco(doc, files={"x.png": _png(40, 20), "y.png": b"\x89PNG\r\n\x1a\nbroken"})
    with pytest.raises(DataError, match="image 'y.png' is named by the annotations but its "
                                        "file is missing"):
        import_coco(doc, files={"x.png": _png(40, 20)})
    with pytest.raises(DataError, match="'x.png' is 41x20 pixels, but the annotations say 40x20"):
        import_coco(doc, files={"x.png": _png(41, 20), "y.png": _png(10, 10)})


def test_a_corrupt_image_is_a_clear_error():
    with pytest.raises(DataError, match="image 'bad.png' is not a readable image"):
        read_image(b"not an image at all", "bad.png")
    assert read_image(_png(5, 3)).shape == (3, 5)


def _with(change):
    doc = _coco()
    change(doc)
    return doc


@pytest.mark.parametrize(("doc", "error", "message"), [
    (_with(lambda d: d["annotations"][0].update(image_id=99)), DataError,
     "annotation 1 names image 99, which is not among the file's images"),
    (_with(lambda d: d["annotations"][1].update(category_id=4)), UnknownLabelError,
     "annotation 2 names category 4, which is not among the file's categories"),
    (_with(lambda d: d["annotations"][0].update(bbox=[35, 2, 10, 8])), InvalidAnswerError,
     "image 'x.png': box 1: a box must lie inside the image"),
    (_with(lambda d: d["annotations"][0].update(bbox=[-1, 2, 10, 8])), InvalidAnswerError,
     "inside the image"),
    (_with(lambda d: d["annotations"][0].update(bbox=[4, 2, 0, 8])), InvalidAnswerError,
     "positive width and height"),
    (_with(lambda d: d["annotations"][0].update(bbox=[4, 2, 10, -8])), InvalidAnswerError,
     "positive width and height"),
    (_with(lambda d: d["annotations"][0].update(bbox=[4, 2, 10])), InvalidAnswerError,
     "bbox must be 4 numbers"),
    (_with(lambda d: d["images"][0].update(width=0)), DataError,
     "width must be a positive whole number"),
    (_with(lambda d: d["images"].append(dict(d["images"][0]))), DataError,
     "two COCO images have the id 7"),
    (_with(lambda d: d.pop("annotations")), DataError, "a COCO file has a list 'annotations'"),
    ("{oops", DataError, "the COCO file is not JSON"),
    ("[]", DataError, "a COCO file is a JSON object"),
])
def test_bad_coco_files_are_refused_with_a_clear_error(doc, error, message):
    with pytest.raises(error, match=message):
        import_coco(doc if isinstance(doc, str) else json.dumps(doc))


def test_coco_categories_outside_the_projects_labels_are_refused():
    with pytest.raises(UnknownLabelError, match="unknown label 'dog' among the categories"):
        import_coco(_coco(), labels=["cat"])
    with pytest.raises(UnknownLabelError, match="unknown label 'owl'"):
        export_coco([AnnotatedImage("a.png", 4, 4, [
            {"x": 0, "y": 0, "w": 1, "h": 1, "label": "owl"}])], LABELS)


VOC = """<annotation><filename>v.png</filename><size><width>20</width><height>10</height>
</size><object><name>{name}</name><bndbox><xmin>{xmin}</xmin><ymin>1</ymin><xmax>{xmax}</xmax>
<ymax>10</ymax></bndbox></object></annotation>"""


@pytest.mark.parametrize(("text", "error", "message"), [
    (VOC.format(name="cat", xmin=1, xmax=25), InvalidAnswerError, "inside the image"),
    (VOC.format(name="cat", xmin=5, xmax=4), InvalidAnswerError, "positive width and height"),
    (VOC.format(name="owl", xmin=1, xmax=5), UnknownLabelError, "unknown label 'owl'"),
    (VOC.format(name="cat", xmin="a", xmax=5), DataError, "<xmin> must be a number"),
    ("<annotation><filename>v.png", DataError, "not XML"),
    ("<annotation><filename>v.png</filename></annotation>", DataError, "a <size>"),
])
def test_bad_voc_files_are_refused_with_a_clear_error(text, error, message):
    with pytest.raises(error, match=message):
        import_voc(text, LABELS)


def test_voc_reads_a_good_file():
    image = import_voc(VOC.format(name="cat", xmin=1, xmax=10), LABELS)
    assert image == AnnotatedImage("v.png", 20, 10, [
        {"x": 0.0, "y": 0.0, "w": 0.5, "h": 1.0, "label": "cat"}])


def _studio(value, **result):
    return json.dumps([{"data": {"image": "s.png"}, "annotations": [{"result": [{
        "type": "rectanglelabels", "original_width": 50, "original_height": 40,
        "value": {"x": 10, "y": 10, "width": 20, "height": 20, "rectanglelabels": ["cat"],
                  **value}, **result}]}]}])


@pytest.mark.parametrize(("text", "error", "message"), [
    (_studio({"x": 90}), InvalidAnswerError, "inside the image"),
    (_studio({"width": 0}), InvalidAnswerError, "positive width and height"),
    (_studio({"rectanglelabels": ["owl"]}), UnknownLabelError, "unknown label 'owl'"),
    (_studio({"rotation": 30}), DataError, "rotated rectangles are not supported"),
    (_studio({}, original_width=None), DataError, "original_width must be a positive"),
    (json.dumps([{"data": {}}]), DataError, "task 1 has no image under data.image"),
    ("{}", DataError, "a list of tasks"),
])
def test_bad_label_studio_files_are_refused_with_a_clear_error(text, error, message):
    with pytest.raises(error, match=message):
        import_label_studio(text, LABELS)


def test_label_studio_skips_cancelled_annotations():
    tasks = json.loads(_studio({}))
    tasks[0]["annotations"].insert(0, {"was_cancelled": True, "result": []})
    (image,) = import_label_studio(json.dumps(tasks), LABELS)
    assert image.boxes == [{"x": 0.1, "y": 0.1, "w": 0.2, "h": 0.2, "label": "cat"}]
