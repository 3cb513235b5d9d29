"""Synthetic projects of every task type the annotation server serves, for its benchmarks.

One builder per project type (``BUILDERS``): given a size and a seed it returns
the project's settings, the files to import and how a well-informed annotator
answers a served item. A task type the server lists (``GET /api/options``) without
a builder here is reported by the benchmark, so a new type needs one entry.
``stream_classification`` is a tabular classification project with a stream
budget, fed items through ``POST /stream`` while the annotators work.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from service_load import Answer

CLASSES = ["a", "b", "c"]
#: Project types of the benchmark that are settings of a server type, not types of their own.
VARIANTS = {"stream_classification": "tabular_classification"}
_WORDS = {"a": ["goal", "match", "team", "score", "league"],
          "b": ["vote", "party", "minister", "law", "senate"],
          "c": ["rain", "storm", "sunny", "wind", "forecast"]}
_FILLER = ["the", "a", "of", "and", "today", "new", "report", "says", "after", "with"]


@dataclass
class Upload:
    """One import request: the route under the project, its files and query parameters."""

    files: dict[str, tuple[str, bytes]]
    route: str = "import"
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class ProjectData:
    """What a benchmark needs to run one project type."""

    task_type: str
    settings: dict[str, Any]
    uploads: list[Upload]
    answer: Answer
    n_items: int
    #: Items for ``POST /stream`` (stream projects), fed while the annotators work.
    stream_items: list[dict[str, Any]] = field(default_factory=list)


def as_csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(row) + "\n" for row in rows).encode()


def _by_id(truth: dict[str, Any]) -> Answer:
    return lambda item: truth[item["external_id"]]


def _table(n: int, rng: np.random.Generator, n_features: int = 6
           ) -> tuple[list[dict[str, Any]], np.ndarray, np.ndarray]:
    """Rows ``id, f0..`` of 3 Gaussian classes; the features and the classes."""
    centers = rng.normal(scale=2.0, size=(len(CLASSES), n_features))
    y = rng.integers(len(CLASSES), size=n)
    X = centers[y] + rng.normal(size=(n, n_features))
    rows = [{"id": f"r{i}", **{f"f{j}": round(float(v), 4) for j, v in enumerate(X[i])}}
            for i in range(n)]
    return rows, X, y


def _texts(n: int, rng: np.random.Generator, topics: list[list[str]]) -> list[str]:
    texts = []
    for chosen in topics[:n]:
        words = [str(w) for t in chosen for w in rng.choice(_WORDS[t], size=3)]
        words += [str(w) for w in rng.choice(_FILLER, size=5)]
        rng.shuffle(words)
        texts.append(" ".join(words))
    return texts


def tabular_classification(n: int, rng: np.random.Generator) -> ProjectData:
    rows, _, y = _table(n, rng)
    truth = {row["id"]: CLASSES[c] for row, c in zip(rows, y, strict=True)}
    return ProjectData("tabular_classification", {"labels": CLASSES},
                       [Upload({"file": ("items.csv", as_csv(rows))})], _by_id(truth), n)


def stream_classification(n: int, rng: np.random.Generator) -> ProjectData:
    """Half the items imported, the other half sent one at a time through the stream."""
    rows, _, y = _table(2 * n, rng)
    truth = {row["id"]: CLASSES[c] for row, c in zip(rows, y, strict=True)}
    return ProjectData("tabular_classification",
                       {"labels": CLASSES, "stream_rate": 0.3, "stream_budget": n},
                       [Upload({"file": ("items.csv", as_csv(rows[:n]))})], _by_id(truth), n,
                       stream_items=rows[n:])


def text_classification(n: int, rng: np.random.Generator) -> ProjectData:
    y = rng.integers(len(CLASSES), size=n)
    texts = _texts(n, rng, [[CLASSES[c]] for c in y])
    rows = [{"id": f"t{i}", "text": text} for i, text in enumerate(texts)]
    truth = {f"t{i}": CLASSES[c] for i, c in enumerate(y)}
    return ProjectData("text_classification", {"labels": CLASSES},
                       [Upload({"file": ("items.csv", as_csv(rows))})], _by_id(truth), n)


def multilabel_text(n: int, rng: np.random.Generator) -> ProjectData:
    topics = [sorted(str(t) for t in rng.choice(CLASSES, size=int(rng.integers(1, 3)),
                                                replace=False)) for _ in range(n)]
    rows = [{"id": f"t{i}", "text": text} for i, text in enumerate(_texts(n, rng, topics))]
    truth = {f"t{i}": chosen for i, chosen in enumerate(topics)}
    return ProjectData("multilabel_text", {"labels": CLASSES},
                       [Upload({"file": ("items.csv", as_csv(rows))})], _by_id(truth), n)


def _pngs(n: int, rng: np.random.Generator, size: int = 16) -> tuple[list[str], np.ndarray]:
    """Small grayscale PNGs whose brightness gives the class (base64), and the classes."""
    from PIL import Image

    y = rng.integers(len(CLASSES), size=n)
    images = []
    for c in y:
        pixels = np.clip(rng.normal(60 + 70 * c, 25, size=(size, size)), 0, 255)
        buffer = io.BytesIO()
        Image.fromarray(pixels.astype(np.uint8)).save(buffer, format="PNG")
        images.append(base64.b64encode(buffer.getvalue()).decode("ascii"))
    return images, y


def image_classification(n: int, rng: np.random.Generator) -> ProjectData:
    images, y = _pngs(n, rng)
    rows = [{"id": f"i{i}", "image": image} for i, image in enumerate(images)]
    truth = {f"i{i}": CLASSES[c] for i, c in enumerate(y)}
    return ProjectData("image_classification", {"labels": CLASSES},
                       [Upload({"file": ("items.jsonl", _jsonl(rows))})], _by_id(truth), n)


def image_regions(n: int, rng: np.random.Generator) -> ProjectData:
    images, y = _pngs(n, rng)
    rows = [{"id": f"i{i}", "image": image} for i, image in enumerate(images)]
    truth = {f"i{i}": [{"x": 0.25, "y": 0.25, "w": 0.5, "h": 0.5, "label": CLASSES[c]}]
             for i, c in enumerate(y)}
    return ProjectData("image_regions", {"labels": CLASSES},
                       [Upload({"file": ("items.jsonl", _jsonl(rows))})], _by_id(truth), n)


def tabular_regression(n: int, rng: np.random.Generator) -> ProjectData:
    rows, X, _ = _table(n, rng)
    target = X @ rng.normal(size=X.shape[1]) + rng.normal(scale=0.3, size=n)
    truth = {row["id"]: round(float(v), 3) for row, v in zip(rows, target, strict=True)}
    return ProjectData("tabular_regression", {"labels": []},
                       [Upload({"file": ("items.csv", as_csv(rows))})], _by_id(truth), n)


def text_regression(n: int, rng: np.random.Generator) -> ProjectData:
    """Texts whose score is the number of sports words in them."""
    y = rng.integers(len(CLASSES), size=n)
    texts = _texts(n, rng, [[CLASSES[c]] for c in y])
    rows = [{"id": f"t{i}", "text": text} for i, text in enumerate(texts)]
    truth = {f"t{i}": float(sum(w in _WORDS["a"] for w in text.split()))
             for i, text in enumerate(texts)}
    return ProjectData("text_regression", {"labels": []},
                       [Upload({"file": ("items.csv", as_csv(rows))})], _by_id(truth), n)


def anomaly(n: int, rng: np.random.Generator) -> ProjectData:
    """Gaussian rows with 2% far-off outliers."""
    X = rng.normal(size=(n, 6))
    outlier = rng.random(n) < 0.02
    X[outlier] += rng.choice([-6.0, 6.0], size=(int(outlier.sum()), 6))
    rows = [{"id": f"r{i}", **{f"f{j}": round(float(v), 4) for j, v in enumerate(X[i])}}
            for i in range(n)]
    truth = {f"r{i}": "anomaly" if bad else "normal" for i, bad in enumerate(outlier)}
    return ProjectData("anomaly", {"labels": []},
                       [Upload({"file": ("items.csv", as_csv(rows))})], _by_id(truth), n)


def _cleaning(task_type: str, rows: list[dict[str, Any]], y: np.ndarray,
              rng: np.random.Generator) -> ProjectData:
    """Rows with a given label, 20% of them wrong; the reviewer keeps or corrects it."""
    wrong = rng.random(len(rows)) < 0.2
    given = [CLASSES[(c + 1) % len(CLASSES)] if bad else CLASSES[c]
             for c, bad in zip(y, wrong, strict=True)]
    labelled = [{**row, "label": label} for row, label in zip(rows, given, strict=True)]
    truth = {row["id"]: CLASSES[c] for row, c in zip(rows, y, strict=True)}

    def answer(item: dict[str, Any]) -> Any:
        right = truth[item["external_id"]]
        return "keep" if item["data"]["given"] == right else {"action": "relabel",
                                                              "label": right}
    return ProjectData(task_type, {"labels": CLASSES},
                       [Upload({"file": ("items.csv", as_csv(labelled))})], answer, len(rows))


def tabular_cleaning(n: int, rng: np.random.Generator) -> ProjectData:
    rows, _, y = _table(n, rng)
    return _cleaning("tabular_cleaning", rows, y, rng)


def text_cleaning(n: int, rng: np.random.Generator) -> ProjectData:
    y = rng.integers(len(CLASSES), size=n)
    texts = _texts(n, rng, [[CLASSES[c]] for c in y])
    rows = [{"id": f"t{i}", "text": text} for i, text in enumerate(texts)]
    return _cleaning("text_cleaning", rows, y, rng)


_SYLLABLES = ["ka", "lo", "mi", "ren", "sa", "to", "vel", "ni", "bor", "da", "el", "fi",
              "gra", "hu", "jo", "ku", "lin", "mar", "no", "pe", "qui", "ro", "ste", "tu"]
_CITIES = ["London", "Leeds", "Paris", "Lyon", "Berlin", "Bonn", "Madrid", "Oslo", "Rome",
           "Milan", "Zurich", "Basel", "Vienna", "Prague", "Dublin", "Cork", "Lisbon", "Porto"]


def _names(n: int, rng: np.random.Generator) -> list[str]:
    parts = rng.integers(len(_SYLLABLES), size=(n, 5))
    return [(_SYLLABLES[a] + _SYLLABLES[b]).title() + " " + (
        _SYLLABLES[c] + _SYLLABLES[d] + _SYLLABLES[e]).title() for a, b, c, d, e in parts]


def _typo(text: str, rng: np.random.Generator) -> str:
    i = int(rng.integers(len(text)))
    return text[:i] + text[i + 1:] if rng.random() < 0.5 else text[:i] + "x" + text[i:]


def person_tables(n_left: int, n_right: int, rng: np.random.Generator, copies: float = 0.5
                  ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Two tables of people; ``copies`` of the right records are noisy copies of left ones.

    A record's id names its entity (``L17`` and ``R17-3`` are the same person), so
    the answer to a pair is read from the ids.
    """
    names = _names(n_left + n_right, rng)
    left = [{"id": f"L{i}", "name": names[i], "city": _CITIES[int(rng.integers(18))],
             "born": int(1930 + rng.integers(80))} for i in range(n_left)]
    right = []
    for j in range(n_right):
        if rng.random() < copies:
            source = left[int(rng.integers(n_left))]
            right.append({"id": f"R{source['id'][1:]}-{j}", "name": _typo(source["name"], rng),
                          "city": source["city"], "born": source["born"]})
        else:
            right.append({"id": f"R{n_left + j}-{j}", "name": names[n_left + j],
                          "city": _CITIES[int(rng.integers(18))],
                          "born": int(1930 + rng.integers(80))})
    return left, right


def same_entity(item: dict[str, Any]) -> str:
    """A matching item's true answer: do its two record ids name one entity?"""
    data = item["data"]
    left, right = data["left"]["id"], data["right"]["id"]
    return "same" if left[1:].split("-")[0] == right[1:].split("-")[0] else "different"


def matching(n: int, rng: np.random.Generator) -> ProjectData:
    """Two tables of ``n / 2`` records each (the candidate pairs are the items)."""
    left, right = person_tables(max(n // 2, 2), max(n // 2, 2), rng)
    upload = Upload({"left": ("left.csv", as_csv(left)), "right": ("right.csv", as_csv(right))},
                    route="import-tables")
    return ProjectData("matching", {"labels": []}, [upload], same_entity, n)


def clustering(n: int, rng: np.random.Generator) -> ProjectData:
    """Texts of three topics as points; a served pair is "same" when both share a topic."""
    y = rng.integers(len(CLASSES), size=n)
    texts = _texts(n, rng, [[CLASSES[c]] for c in y])
    rows = [{"id": f"t{i}", "text": text} for i, text in enumerate(texts)]
    topic = {f"t{i}": c for i, c in enumerate(y)}

    def answer(item: dict[str, Any]) -> str:
        data = item["data"]
        same = topic[data["left"]["id"]] == topic[data["right"]["id"]]
        return "same" if same else "different"

    return ProjectData("clustering", {"labels": [], "n_clusters": len(CLASSES)},
                       [Upload({"file": ("points.csv", as_csv(rows))})], answer, n)


#: Project type (as ``GET /api/options`` names it, or a variant) -> data builder.
BUILDERS: dict[str, Callable[[int, np.random.Generator], ProjectData]] = {
    "text_classification": text_classification,
    "multilabel_text": multilabel_text,
    "image_classification": image_classification,
    "image_regions": image_regions,
    "tabular_classification": tabular_classification,
    "tabular_regression": tabular_regression,
    "text_regression": text_regression,
    "anomaly": anomaly,
    "matching": matching,
    "clustering": clustering,
    "text_cleaning": text_cleaning,
    "tabular_cleaning": tabular_cleaning,
    "stream_classification": stream_classification,
}


def project_types(server_types: list[str]) -> tuple[list[str], list[str]]:
    """The benchmark's project types for the server's task types, and the types it lacks.

    Every server type with a builder, plus each variant of a server type; the
    second list names server types without a builder.
    """
    known = [t for t in server_types if t in BUILDERS]
    known += [v for v, base in VARIANTS.items() if base in server_types]
    return known, [t for t in server_types if t not in BUILDERS]
