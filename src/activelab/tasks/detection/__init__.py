"""Object detection: boxes with labels on images, and region-level active learning.

* Answers: a list of boxes ``{x, y, w, h, label}`` (fractions of the image's side),
  checked by :func:`check_boxes` (inside the image, positive size, known label).
* :class:`RegionDetector` - proposals (bright blobs), a patch classifier with a
  background class and non-maximum suppression; trains from scratch in seconds.
* :class:`DetectionLearner` - the query / teach loop; a question is a whole image
  or one proposed region (:class:`RegionQuery`).
* Strategies (:data:`DETECTION_STRATEGIES`): entropy or margin of region class scores
  aggregated per image by max, mean or sum; box stability under perturbations; a
  diversity step; region-level entropy, margin and random; and random images.
* :func:`mean_average_precision` - mAP@0.5, the headline.
* :func:`run_detection_cell` / :func:`simulate_detection` - annotation-cost curves on
  ``cluttered-digits`` for ``activelab simulate --task detection`` and the bench.
* COCO, Pascal VOC and Label Studio rectangles: :func:`export_coco`,
  :func:`import_coco`, :func:`export_voc`, :func:`import_voc`,
  :func:`export_label_studio`, :func:`import_label_studio`.

>>> from activelab.data import make_cluttered_digits
>>> images, boxes = make_cluttered_digits(30)
>>> detector = RegionDetector([str(d) for d in range(10)], random_state=0)
>>> detector = detector.fit_images(images[:25], boxes[:25])
>>> truths = [to_pixels(b, 96, 96) for b in boxes[25:]]
>>> 0.0 <= mean_average_precision([detector.detect(i) for i in images[25:]], truths) <= 1.0
True
"""

from ..contract import TaskDefinition
from ._boxes import (
    DETECTION_ANSWER,
    MAX_BOXES,
    box_iou,
    check_box,
    check_boxes,
    to_fractions,
    to_pixels,
)
from ._coco import export_coco, import_coco
from ._images import AnnotatedImage, check_image_files, read_image
from ._label_studio import export_label_studio, import_label_studio
from ._learner import DetectionLearner
from ._metrics import Detections, average_precision, mean_average_precision
from ._model import REGION_CLASSIFIERS, RegionDetector, make_region_classifier
from ._oracle import AnnotationCost, annotate_image, annotate_region
from ._regions import non_max_suppression, propose_regions, region_features
from ._simulate import DETECTION_METRICS, run_detection_cell, simulate_detection
from ._strategies import (
    DETECTION_STRATEGIES,
    RegionQuery,
    box_instability,
    get_detection_strategy,
    region_entropy,
    region_margin,
)
from ._training import BACKGROUND, image_regions
from ._voc import export_voc, import_voc

__all__ = [
    "TASK",
    "DETECTION_ANSWER",
    "MAX_BOXES",
    "check_box",
    "check_boxes",
    "to_pixels",
    "to_fractions",
    "box_iou",
    "Detections",
    "average_precision",
    "mean_average_precision",
    "BACKGROUND",
    "image_regions",
    "REGION_CLASSIFIERS",
    "RegionDetector",
    "make_region_classifier",
    "propose_regions",
    "region_features",
    "non_max_suppression",
    "DetectionLearner",
    "RegionQuery",
    "AnnotationCost",
    "annotate_image",
    "annotate_region",
    "DETECTION_STRATEGIES",
    "get_detection_strategy",
    "region_entropy",
    "region_margin",
    "box_instability",
    "DETECTION_METRICS",
    "run_detection_cell",
    "simulate_detection",
    "AnnotatedImage",
    "read_image",
    "check_image_files",
    "export_coco",
    "import_coco",
    "export_voc",
    "import_voc",
    "export_label_studio",
    "import_label_studio",
]

#: The detection task, as the registry lists it.
TASK = TaskDefinition(
    "detection", item="one image", answer_kind=DETECTION_ANSWER,
    default_strategy="entropy-sum", default_model="logreg", headline="map50",
    lower_is_better=False, metrics=DETECTION_METRICS, strategy_names=DETECTION_STRATEGIES,
    model_names=REGION_CLASSIFIERS, learner_class=DetectionLearner,
    simulate_function=simulate_detection, cell_function=run_detection_cell)
