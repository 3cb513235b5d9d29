"""The region model's patch classifier: mAP@0.5 and time of each, on cluttered-digits.

Run:  python benchmarks/detection_models.py [--train 20 60 150] [--test 125]

Each classifier is fitted on the first N fully annotated canvases (their proposals
labelled by overlap, and their true boxes) and scored on held-out canvases drawn
after them. Prints mAP@0.5, and the CPU seconds to fit and to detect on the test set
(CPU time, so that other work on the machine does not count).
"""

from __future__ import annotations

import argparse
import time

from activelab.data import make_cluttered_digits
from activelab.tasks.detection import (
    REGION_CLASSIFIERS,
    RegionDetector,
    mean_average_precision,
    to_pixels,
)

LABELS = [str(d) for d in range(10)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, nargs="+", default=[20, 60, 150])
    parser.add_argument("--test", type=int, default=125)
    parser.add_argument("--classifiers", nargs="+", default=list(REGION_CLASSIFIERS))
    args = parser.parse_args()
    most = max(args.train)
    images, boxes = make_cluttered_digits(most + args.test)
    test_images, test_boxes = images[most:], boxes[most:]
    truths = [to_pixels(b, *image.shape[::-1])
              for image, b in zip(test_images, test_boxes, strict=True)]
    print("| classifier | training canvases | mAP@0.5 | fit CPU seconds | detect CPU seconds |")
    print("|---|---|---|---|---|")
    for name in args.classifiers:
        for n in args.train:
            start = time.process_time()
            detector = RegionDetector(LABELS, name, random_state=0).fit_images(
                images[:n], boxes[:n])
            fitted = time.process_time()
            found = [detector.detect(image) for image in test_images]
            done = time.process_time()
            print(f"| {name} | {n} | {mean_average_precision(found, truths):.3f} | "
                  f"{fitted - start:.2f} | {done - fitted:.2f} |", flush=True)


if __name__ == "__main__":
    main()
