"""cluttered-digits: drawn from a seed, the same every time, with exact boxes."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from activelab.data import available_datasets, load_dataset, make_cluttered_digits
from activelab.exceptions import ConfigError


def test_the_canvases_are_the_same_for_a_seed_and_keep_their_prefix():
    images, boxes = make_cluttered_digits(12)
    again, again_boxes = make_cluttered_digits(12)
    assert images.tobytes() == again.tobytes() and boxes == again_boxes
    more, more_boxes = make_cluttered_digits(20)
    assert more[:12].tobytes() == images.tobytes() and more_boxes[:12] == boxes
    other, _ = make_cluttered_digits(12, random_state=1)
    assert other.tobytes() != images.tobytes()


def test_every_canvas_holds_one_to_five_digits_with_tight_boxes_inside_it():
    images, boxes = make_cluttered_digits(40)
    assert images.shape == (40, 96, 96) and images.dtype == np.float32
    assert 0.0 <= images.min() and images.max() <= 1.0
    counts = [len(b) for b in boxes]
    assert min(counts) >= 1 and max(counts) <= 5 and len(set(counts)) > 2
    for image, found in zip(images, boxes, strict=True):
        for box in found:
            assert box["label"] in [str(d) for d in range(10)]
            x0, y0 = round(box["x"] * 96), round(box["y"] * 96)
            x1, y1 = round((box["x"] + box["w"]) * 96), round((box["y"] + box["h"]) * 96)
            assert 0 <= x0 < x1 <= 96 and 0 <= y0 < y1 <= 96
            inside = image[y0:y1, x0:x1]
            # tight: ink (>= 0.15 before noise of sd 0.04) on each edge of the box
            for edge in (inside[0], inside[-1], inside[:, 0], inside[:, -1]):
                assert edge.max() > 0.05
            # nothing else bright right around it: digits never touch
            ring = image[max(y0 - 2, 0):y1 + 2, max(x0 - 2, 0):x1 + 2].copy()
            ring[y0 - max(y0 - 2, 0):y0 - max(y0 - 2, 0) + y1 - y0,
                 x0 - max(x0 - 2, 0):x0 - max(x0 - 2, 0) + x1 - x0] = 0
            assert ring.max() < 0.3


def test_the_dataset_is_listed_and_loads_as_a_detection_set():
    info = {entry.name: entry for entry in available_datasets()}["cluttered-digits"]
    assert info.available and info.task == "detection" and info.kind == "image"
    dataset = load_dataset("cluttered-digits", max_samples=50)
    assert dataset.task == "detection" and dataset.X.shape == (50, 96, 96)
    assert isinstance(dataset.y[0], list) and "x" in dataset.y[0][0]
    done = subprocess.run([sys.executable, "-m", "activelab.cli", "datasets", "--json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    listed = {entry["name"]: entry for entry in json.loads(done.stdout)}
    assert listed["cluttered-digits"]["task"] == "detection"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"n_images": 0}, "n_images must be a positive integer"),
    ({"n_images": 2.5}, "n_images must be a positive integer"),
    ({"n_images": 2, "size": 20}, "at least 48 pixels"),
])
def test_bad_sizes_are_refused_clearly(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        make_cluttered_digits(**kwargs)
