"""The detection task: answers, mAP@0.5, the region model, the annotator and the loop."""

from __future__ import annotations

import numpy as np
import pytest

from activelab.data import make_cluttered_digits
from activelab.exceptions import ConfigError, InvalidAnswerError, NotFittedError, UnknownLabelError
from activelab.tasks.answers import AnswerSpace
from activelab.tasks.detection import (
    DETECTION_STRATEGIES,
    AnnotationCost,
    DetectionLearner,
    Detections,
    RegionDetector,
    RegionQuery,
    annotate_image,
    annotate_region,
    average_precision,
    box_instability,
    check_boxes,
    mean_average_precision,
    propose_regions,
    region_entropy,
    region_margin,
    to_pixels,
)

DIGITS = [str(d) for d in range(10)]
SPACE = AnswerSpace(labels=("cat", "dog"))


def _box(x, y, w, h, label="cat"):
    return {"x": x, "y": y, "w": w, "h": h, "label": label}


@pytest.mark.parametrize(("value", "error", "message"), [
    ([_box(0.8, 0.1, 0.3, 0.1)], InvalidAnswerError, "box 1: a box must lie inside the image"),
    ([_box(-0.1, 0.1, 0.3, 0.1)], InvalidAnswerError, "inside the image"),
    ([_box(0.1, 0.1, 0.1, 0.1), _box(0.1, 0.1, 0.0, 0.1)], InvalidAnswerError,
     "box 2: a box needs a positive width and height, got w=0"),
    ([_box(0.1, 0.1, 0.1, -0.1)], InvalidAnswerError, "positive width and height"),
    ([_box(0.1, 0.1, 0.1, 0.1, "owl")], UnknownLabelError, "unknown label 'owl'"),
    ([_box(0.1, 0.1, 0.1, 0.1, "")], InvalidAnswerError, "a box's label is a label name"),
    ([{**_box(0.1, 0.1, 0.1, 0.1), "score": 1}], InvalidAnswerError, "only x, y, w, h and label"),
    ([_box("0.1", 0.1, 0.1, 0.1)], InvalidAnswerError, "'x' must be a finite number"),
    ([_box(True, 0.1, 0.1, 0.1)], InvalidAnswerError, "'x' must be a finite number"),
    ("[]", InvalidAnswerError, "a detection answer is a list of boxes"),
    ([[0.1, 0.1, 0.2, 0.2]], InvalidAnswerError, "a box is an object"),
    ([_box(0.1, 0.1, 0.1, 0.1)] * 1001, InvalidAnswerError, "at most 1000"),
])
def test_bad_boxes_are_refused_with_a_clear_error(value, error, message):
    with pytest.raises(error, match=message):
        check_boxes(value, SPACE)


def test_good_boxes_are_normalised_and_reach_the_edge():
    assert check_boxes([_box(0, 0, 1, 1, "dog")], SPACE) == [_box(0.0, 0.0, 1.0, 1.0, "dog")]
    assert check_boxes([], SPACE) == []
    corners, labels = to_pixels([_box(0.25, 0.5, 0.5, 0.25)], 200, 100)
    assert corners.tolist() == [[50.0, 50.0, 150.0, 75.0]] and labels == ["cat"]


def test_average_precision_matches_a_hand_computed_case():
    # Class "a": two true boxes on two images; detections by score 0.9 (hit), 0.8 (a
    # duplicate of the same box: false), 0.7 (hit on the other image).
    # precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1 -> AP = 1/2 * 1 + 1/2 * 2/3 = 5/6.
    # Class "b": one true box, found only by a box of IoU 1/4 -> AP 0. mAP = 5/12.
    truths = [(np.array([[0, 0, 10, 10.], [50, 50, 60, 60]]), ["a", "b"]),
              (np.array([[20, 20, 30, 30.]]), ["a"])]
    found = [Detections(np.array([[0, 0, 10, 10.], [1, 0, 11, 10], [50, 50, 55, 55]]),
                        ["a", "a", "b"], np.array([0.9, 0.8, 0.6])),
             Detections(np.array([[20, 20, 30, 31.]]), ["a"], np.array([0.7]))]
    assert average_precision(found, truths, "a") == pytest.approx(5 / 6)
    assert average_precision(found, truths, "b") == 0.0
    assert average_precision(found, truths, "c") is None
    assert mean_average_precision(found, truths) == pytest.approx(5 / 12)
    # A false "a" scored 0.95 comes first: precision 0, 1/2, 1/3, 1/2 at recall 0, 1/2,
    # 1/2, 1; made non-increasing from the right it is 1/2 everywhere -> AP = 1/2.
    worse = [Detections(np.vstack([found[0].boxes, [[70, 70, 80, 80]]]), ["a", "a", "b", "a"],
                        np.array([0.9, 0.8, 0.6, 0.95])), found[1]]
    assert average_precision(worse, truths, "a") == pytest.approx(0.5)
    perfect = [Detections(t[0], t[1], np.ones(len(t[1]))) for t in truths]
    assert mean_average_precision(perfect, truths) == 1.0


def test_map_refuses_misaligned_or_empty_truth():
    with pytest.raises(Exception, match="2 images of detections but 1"):
        mean_average_precision([Detections(), Detections()], [(np.zeros((0, 4)), [])])
    with pytest.raises(Exception, match="no true box"):
        mean_average_precision([Detections()], [(np.zeros((0, 4)), [])])


def test_proposals_find_every_digit_of_cluttered_canvases():
    from activelab.tasks.detection import box_iou

    images, boxes = make_cluttered_digits(40)
    found = total = 0
    for image, answer in zip(images, boxes, strict=True):
        truth, _ = to_pixels(answer, 96, 96)
        best = box_iou(truth, propose_regions(image)).max(axis=1)
        found += int((best >= 0.5).sum())
        total += len(truth)
    assert found / total > 0.97


def test_the_region_model_learns_digits_from_scratch():
    images, boxes = make_cluttered_digits(100)
    truths = [to_pixels(b, 96, 96) for b in boxes[70:]]
    few = RegionDetector(DIGITS, random_state=0).fit_images(images[:5], boxes[:5])
    many = RegionDetector(DIGITS, random_state=0).fit_images(images[:70], boxes[:70])
    score_few = mean_average_precision([few.detect(i) for i in images[70:]], truths)
    score_many = mean_average_precision([many.detect(i) for i in images[70:]], truths)
    assert score_many > 0.85 and score_many > score_few
    found = many.detect(images[70])
    assert np.all(np.diff(found.scores) <= 0) and set(found.labels) <= set(DIGITS)


def test_the_annotator_counts_confirmed_corrected_drawn_and_rejected_boxes():
    truth = np.array([[0, 0, 10, 10.], [20, 20, 30, 30], [40, 40, 50, 50], [60, 60, 70, 70]])
    labels = ["1", "2", "3", "4"]
    shown = Detections(np.array([[0, 0, 10, 10.], [20, 20, 30, 30], [40, 40, 47, 44],
                                 [80, 80, 90, 90]]), ["1", "7", "3", "5"],
                       np.array([0.9, 0.9, 0.9, 0.9]))
    answer, cost = annotate_image(shown, truth, labels, 96, 96)
    assert cost.as_dict() == {"confirmed": 1, "corrected": 2, "drawn": 1, "rejected": 1}
    assert cost.total == 5 and [box["label"] for box in answer] == labels
    region = np.array([20, 20, 30, 29.])
    taken = np.zeros(4, dtype=bool)
    assert annotate_region(region, "2", truth, labels, taken)[3] == "confirmed"
    box, label, index, action = annotate_region(region, "9", truth, labels, taken)
    assert (label, index, action) == ("2", 1, "corrected")
    box, label, index, action = annotate_region(np.array([20, 20, 24, 24.]), "2", truth, labels,
                                                taken)
    assert action == "corrected" and box.tolist() == [20, 20, 30, 30]
    assert annotate_region(np.array([80, 0, 90, 9.]), "2", truth, labels, taken)[3] == "rejected"
    taken[1] = True  # a box already annotated is not found again
    assert annotate_region(region, "2", truth, labels, taken)[3] == "rejected"
    total = AnnotationCost()
    total.add(cost)
    total.add(cost)
    assert total.total == 10


def test_uncertainty_scores():
    proba = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3]])
    assert region_entropy(proba) == pytest.approx([0.0, np.log(2), np.log(3)], abs=1e-9)
    assert region_margin(proba) == pytest.approx([0.0, 1.0, 1.0])


@pytest.fixture(scope="module")
def taught():
    images, boxes = make_cluttered_digits(60)
    learner = DetectionLearner(images, DIGITS, strategy="entropy-sum", random_state=0)
    learner.teach([RegionQuery(i) for i in range(12)], [boxes[i] for i in range(12)])
    return learner.retrain(), images, boxes


@pytest.mark.parametrize("strategy", DETECTION_STRATEGIES)
def test_every_strategy_ranks_open_questions_only_and_the_same_for_a_seed(strategy, taught):
    learner, images, boxes = taught
    ranked = []
    for _ in range(2):
        copy = DetectionLearner(images, DIGITS, strategy=strategy, random_state=3)
        copy.full_, copy.detector_ = learner.full_, learner.detector_
        ranked.append(copy.query(8))
    assert ranked[0] == ranked[1] and len(ranked[0]) == 8
    for query in ranked[0]:
        assert query.image >= 12
        assert (query.region is None) == (not strategy.startswith("region-"))


def test_uncertainty_ranks_the_image_with_the_most_uncertain_regions_first(taught):
    learner, _, _ = taught
    first = learner.query(1)[0]
    sums = {i: region_entropy(learner.region_proba(i)).sum() for i in learner.open_images()}
    assert sums[first.image] == pytest.approx(max(sums.values()))


def test_stability_measures_how_far_boxes_move(taught):
    learner, _, _ = taught
    rng = np.random.default_rng(0)
    moves = [box_instability(learner, i, rng) for i in range(12, 30)]
    assert all(m >= 0 for m in moves) and max(moves) > 0


def test_region_answers_teach_a_background_or_a_corrected_box(taught):
    learner, images, boxes = taught
    fresh = DetectionLearner(images, DIGITS, random_state=0)
    fresh.teach_image(0, boxes[0])
    n_before = len(fresh.training_set()[1])
    fresh.teach([RegionQuery(20, 0), RegionQuery(21, 0)], [[], [boxes[21][0]]])
    X, y = fresh.training_set()
    assert len(y) == n_before + 2 and y[:2] == ["__background__", boxes[21][0]["label"]]
    assert (20, 0) in fresh.asked_regions_
    with pytest.raises(InvalidAnswerError, match="at most one box"):
        fresh.teach_region(22, 0, boxes[22][:1] * 2)
    with pytest.raises(ConfigError, match="no region 99"):
        fresh.teach_region(22, 99, [])
    with pytest.raises(UnknownLabelError, match="unknown label 'x'"):
        fresh.teach_image(23, [_box(0.1, 0.1, 0.1, 0.1, "x")])


def test_the_learner_refuses_bad_use_clearly():
    images, _ = make_cluttered_digits(3)
    with pytest.raises(ConfigError, match="shape \\(n_images, height, width\\)"):
        DetectionLearner(images[0], DIGITS)
    with pytest.raises(ConfigError, match="unknown detection strategy 'vote'"):
        DetectionLearner(images, DIGITS, strategy="vote")
    learner = DetectionLearner(images, DIGITS)
    with pytest.raises(NotFittedError, match="nothing annotated yet"):
        learner.retrain()
    with pytest.raises(NotFittedError, match="call retrain"):
        learner.detect(0)
    with pytest.raises(ConfigError, match="n must be a positive integer"):
        learner.query(0)
