"""cluttered-mnist: MNIST digits on cluttered canvases, from a seed, with exact boxes.

Tests that read the digits skip when the shared data folder or its mnist folder is absent.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from typer.testing import CliRunner

from activelab.cli import app
from activelab.data import available_datasets, find_data_dir, load_dataset, make_cluttered_mnist
from activelab.exceptions import ConfigError, DataError
from activelab.tasks.detection import box_iou, propose_regions, simulate_detection, to_pixels

DIGITS = [str(d) for d in range(10)]


@pytest.fixture(scope="module")
def mnist_folder():
    root = find_data_dir()
    if root is None:
        pytest.skip("../shared/data not found; set ACTIVELAB_DATA_DIR to run the MNIST tests")
    if not (root / "mnist" / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"{root / 'mnist'} holds no MNIST test images")
    return root / "mnist"


def test_the_canvases_are_the_same_for_a_seed_and_keep_their_prefix(mnist_folder):
    images, boxes = make_cluttered_mnist(mnist_folder, 12)
    again, again_boxes = make_cluttered_mnist(mnist_folder, 12)
    assert images.tobytes() == again.tobytes() and boxes == again_boxes
    more, more_boxes = make_cluttered_mnist(mnist_folder, 20)
    assert more[:12].tobytes() == images.tobytes() and more_boxes[:12] == boxes
    other, _ = make_cluttered_mnist(mnist_folder, 12, random_state=1)
    assert other.tobytes() != images.tobytes()
    seeded = load_dataset("cluttered-mnist", max_samples=12, random_state=1)
    assert seeded.X.tobytes() == other.tobytes()


def test_canvases_hold_one_to_six_digits_with_tight_boxes_and_clutter(mnist_folder):
    images, boxes = make_cluttered_mnist(mnist_folder, 40)
    assert images.shape == (40, 96, 96) and images.dtype == np.float32
    assert 0.0 <= images.min() and images.max() <= 1.0
    counts = [len(b) for b in boxes]
    assert min(counts) >= 1 and max(counts) <= 6 and len(set(counts)) > 3
    clutter = 0
    for image, found in zip(images, boxes, strict=True):
        outside = np.ones(image.shape, dtype=bool)
        for box in found:
            assert box["label"] in DIGITS
            x0, y0 = round(box["x"] * 96), round(box["y"] * 96)
            x1, y1 = round((box["x"] + box["w"]) * 96), round((box["y"] + box["h"]) * 96)
            assert 0 <= x0 < x1 <= 96 and 0 <= y0 < y1 <= 96
            inside = image[y0:y1, x0:x1]
            for edge in (inside[0], inside[-1], inside[:, 0], inside[:, -1]):
                assert edge.max() > 0.05  # tight: ink on each edge
            outside[max(y0 - 4, 0):y1 + 4, max(x0 - 4, 0):x1 + 4] = False
        clutter += int((image[outside] > 0.5).sum() > 10)  # strokes that are not digits
    assert clutter > 20


def test_region_proposals_still_find_the_digits(mnist_folder):
    dataset = load_dataset("cluttered-mnist", max_samples=30)
    found = total = 0
    for image, answer in zip(dataset.X, dataset.y, strict=True):
        truth, _ = to_pixels(answer, 96, 96)
        found += int((box_iou(truth, propose_regions(image)).max(axis=1) >= 0.5).sum())
        total += len(truth)
    assert found / total > 0.95


def test_it_is_listed_and_a_short_simulation_learns_from_it(mnist_folder):
    info = {entry.name: entry for entry in available_datasets()}["cluttered-mnist"]
    assert info.available and info.task == "detection" and info.kind == "image"
    dataset = load_dataset("cluttered-mnist", max_samples=80)
    assert dataset.task == "detection" and dataset.X.shape == (80, 96, 96)
    runs = simulate_detection(dataset, strategy="entropy-sum", initial=10, batch=10,
                              budget=30, seeds=1)
    map50 = runs[0].metrics["map50"]
    assert 0.0 <= map50[0] < map50[-1] <= 1.0


def test_without_the_data_folder_it_is_listed_as_unavailable_with_the_reason(tmp_path):
    info = {entry.name: entry for entry in available_datasets(tmp_path / "none")}
    entry = info["cluttered-mnist"]
    assert not entry.available and entry.unavailable_reason == "no data folder"
    assert entry.task == "detection"
    with pytest.raises(DataError, match="needs the shared data folder"):
        load_dataset("cluttered-mnist", data_dir=tmp_path / "none")
    (tmp_path / "data").mkdir()
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte.gz, which does not exist"):
        load_dataset("cluttered-mnist", data_dir=tmp_path / "data")


def test_the_cli_explains_a_missing_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("ACTIVELAB_DATA_DIR", str(tmp_path / "none"))
    listed = CliRunner().invoke(app, ["datasets"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0, listed.output
    assert re.search(r"│ cluttered-mnist +│ image +│ detection +│.*│ no: no data folder +│",
                     listed.output)
    assert "The shared data folder was not found" in " ".join(listed.output.split())
    result = CliRunner().invoke(app, ["simulate", "cluttered-mnist", "--task", "detection",
                                      "--seeds", "1", "--budget", "30"])
    assert result.exit_code != 0
    assert "needs the shared data folder" in str(result.exception)


def test_a_bad_canvas_request_is_refused(mnist_folder):
    with pytest.raises(ConfigError, match="n_images must be a positive integer"):
        make_cluttered_mnist(mnist_folder, 0)
    with pytest.raises(ConfigError, match="at least 48 pixels"):
        make_cluttered_mnist(mnist_folder, 3, size=20)


@pytest.mark.slow
def test_simulate_runs_on_it_from_the_cli(mnist_folder, tmp_path):
    out = tmp_path / "r.json"
    result = CliRunner().invoke(app, ["simulate", "cluttered-mnist", "--task", "detection",
                                      "--seeds", "1", "--budget", "30", "--out", str(out)])
    assert result.exit_code == 0, result.output
    payload = json.loads(out.read_text())
    assert payload["dataset"] == "cluttered-mnist" and payload["task"] == "detection"
    run = payload["runs"][0]
    assert run["n_labels"][0] >= 20 and run["map50"][-1] > run["map50"][0]
