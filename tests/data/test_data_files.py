"""User files: CSV/TSV/JSONL/JSON/Parquet round trips, and one test per error a user can make."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pytest

from activelab.data import load_dataset, load_file
from activelab.exceptions import ConfigError, DataError, InvalidFeaturesError

FRAME = pd.DataFrame({
    "size": [1.5, 2.0, 3.25, 4.0, 5.5, 6.0],
    "colour": ["red", "blue", "red", "green", "blue", "red"],
    "review": ["good stuff", "bad, really", "fine", "meh", "great", "awful"],
    "label": ["pos", "neg", "pos", "neg", "pos", "neg"],
})


def write(tmp_path, name: str, text: str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def check_tabular(ds):
    assert ds.kind == "tabular" and ds.task == "classification"
    assert ds.feature_names == ["size", "colour=blue", "colour=green", "colour=red"]
    assert ds.X.dtype == np.float64 and ds.X.shape == (6, 4)
    assert ds.X[:, 0].tolist() == FRAME["size"].tolist()
    assert ds.X[:, 1:].sum(axis=1).tolist() == [1.0] * 6  # one-hot: one category per row
    assert ds.X[0, 1:].tolist() == [0.0, 0.0, 1.0]  # row 0 is red
    assert ds.y.tolist() == FRAME["label"].tolist() and ds.n_classes == 2


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_csv_round_trip_with_sniffed_delimiter(tmp_path, sep):
    path = tmp_path / "data.csv"
    FRAME.drop(columns="review").to_csv(path, sep=sep, index=False)
    check_tabular(load_file(path, target="label"))


def test_tsv_round_trip_keeps_commas_inside_values(tmp_path):
    path = tmp_path / "data.tsv"
    FRAME.to_csv(path, sep="\t", index=False)
    ds = load_file(path, target="label", text_column="review")
    assert ds.X.tolist() == FRAME["review"].tolist()


def test_jsonl_round_trip(tmp_path):
    path = tmp_path / "data.jsonl"
    FRAME.drop(columns="review").to_json(path, orient="records", lines=True)
    check_tabular(load_file(path, target="label"))


def test_json_array_round_trip(tmp_path):
    path = tmp_path / "data.json"
    FRAME.drop(columns="review").to_json(path, orient="records")
    check_tabular(load_file(path, target="label"))


def test_parquet_round_trip(tmp_path):
    path = tmp_path / "data.parquet"
    FRAME.drop(columns="review").to_parquet(path)
    check_tabular(load_file(path, target="label"))


def test_gzipped_csv_round_trip(tmp_path):
    path = tmp_path / "data.csv.gz"
    path.write_bytes(gzip.compress(FRAME.drop(columns="review").to_csv(index=False).encode()))
    check_tabular(load_file(path, target="label"))


def test_text_column_gives_raw_strings_and_ignores_other_columns(tmp_path):
    frame = FRAME.assign(size=[1.0, None, 3.0, None, 5.0, 6.0])  # NaN is fine: ignored
    path = tmp_path / "texts.csv"
    frame.to_csv(path, index=False)
    ds = load_file(path, target="label", text_column="review")
    assert ds.kind == "text" and ds.X.shape == (6,) and ds.X.dtype == object
    assert ds.X.tolist() == FRAME["review"].tolist() and ds.feature_names is None


def test_load_dataset_reads_files_and_subsamples(tmp_path):
    path = tmp_path / "data.csv"
    FRAME.to_csv(path, index=False)
    ds = load_dataset(str(path), target="label", text_column="review", max_samples=4)
    assert ds.n_samples == 4 and sorted(ds.y.tolist()) == ["neg", "neg", "pos", "pos"]


@pytest.mark.parametrize(("values", "task", "dtype"), [
    ([0.5, 1.25, 2.0, 3.75, 4.5, 5.0], "regression", np.float64),
    ([1, 2, 3, 1, 2, 3], "classification", np.int64),
    ([1.0, 2.0, 1.0, 2.0, 1.0, 2.0], "classification", np.int64),
    ([True, False, True, False, True, False], "classification", np.int64),
])
def test_task_is_inferred_from_the_target(tmp_path, values, task, dtype):
    path = tmp_path / "data.parquet"
    pd.DataFrame({"x": np.arange(6.0), "y": values}).to_parquet(path)
    ds = load_file(path, target="y")
    assert ds.task == task and ds.y.dtype == dtype


def test_many_integer_values_make_a_regression_target(tmp_path):
    path = tmp_path / "prices.csv"
    pd.DataFrame({"x": np.arange(80), "price": np.arange(80) * 1000}).to_csv(path, index=False)
    assert load_file(path, target="price").task == "regression"


def test_missing_categorical_values_become_their_own_category(tmp_path):
    path = write(tmp_path, "d.csv", "colour,label\nred,a\n,b\nblue,a\n")
    ds = load_file(path, target="label")
    assert ds.feature_names == ["colour=blue", "colour=missing", "colour=red"]


def test_quoted_newlines_keep_line_numbers_right(tmp_path):
    path = write(tmp_path, "d.csv", 'text,label\n"two\nlines",a\nok,b\n"x",,\n')
    with pytest.raises(DataError, match="line 5 "):
        load_file(path, target="label", text_column="text")


# ---- errors: each says what is wrong and where ---------------------------------------------

def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_file(tmp_path / "nope.csv", target="label")


def test_unsupported_extension(tmp_path):
    path = write(tmp_path, "data.xlsx", "not really")
    with pytest.raises(DataError, match=r"unsupported file type.*\.csv"):
        load_file(path, target="label")


def test_target_is_required_for_files(tmp_path):
    path = write(tmp_path, "d.csv", "a,label\n1,x\n2,y\n")
    with pytest.raises(DataError, match="target="):
        load_dataset(str(path))


@pytest.mark.parametrize(("text", "line", "fields"), [
    ("a,b,label\n1,2,x\n3,4,y\n5,6,7,z\n", 4, 4),   # too many fields
    ("a,b,label\n1,2,x\n3,y\n5,6,z\n", 3, 2),       # too few: pandas would pad with NaN
])
def test_csv_with_a_wrong_number_of_fields_names_the_line(tmp_path, text, line, fields):
    path = write(tmp_path, "bad.csv", text)
    with pytest.raises(DataError, match=f"line {line} of 'bad.csv' has {fields} fields"):
        load_file(path, target="label")


def test_malformed_jsonl_names_the_line(tmp_path):
    path = write(tmp_path, "bad.jsonl", '{"a": 1, "label": "x"}\n\n{"a": 2, "label": "y"\n')
    with pytest.raises(DataError, match="line 3 of 'bad.jsonl' is not valid JSON"):
        load_file(path, target="label")


def test_jsonl_line_that_is_not_an_object(tmp_path):
    path = write(tmp_path, "bad.jsonl", '{"a": 1, "label": "x"}\n[1, 2]\n')
    with pytest.raises(DataError, match="line 2 .* list, not an object"):
        load_file(path, target="label")


def test_malformed_json_array_names_the_line(tmp_path):
    path = write(tmp_path, "bad.json", '[\n{"a": 1, "label": "x"},\n{"a": 2 "label": "y"}\n]\n')
    with pytest.raises(DataError, match="line 3 of 'bad.json'"):
        load_file(path, target="label")


def test_invalid_utf8_names_the_line(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("a,label\n1,x\n2,caf\xe9\n".encode("latin-1"))
    with pytest.raises(DataError, match="line 3 of 'latin.csv' is not valid UTF-8"):
        load_file(path, target="label")


def test_missing_target_column_lists_the_columns(tmp_path):
    path = write(tmp_path, "d.csv", "a,b,class\n1,2,x\n3,4,y\n")
    with pytest.raises(DataError, match="target column 'label'.*'a', 'b', 'class'"):
        load_file(path, target="label")


def test_missing_text_column_lists_the_columns(tmp_path):
    path = write(tmp_path, "d.jsonl",
                 '{"body": "hi", "label": "x"}\n{"body": "yo", "label": "y"}\n')
    with pytest.raises(DataError, match="text column 'text'.*'body', 'label'"):
        load_file(path, target="label", text_column="text")


@pytest.mark.parametrize(("name", "text", "match"), [
    ("empty.csv", "", "is empty"),
    ("blank.csv", "\n  \n", "is empty"),
    ("header.csv", "a,label\n", "header but no data rows"),
    ("empty.jsonl", "\n\n", "is empty"),
    ("empty.json", "[]", "empty array"),
])
def test_empty_files(tmp_path, name, text, match):
    with pytest.raises(DataError, match=match):
        load_file(write(tmp_path, name, text), target="label")


def test_empty_parquet(tmp_path):
    path = tmp_path / "empty.parquet"
    FRAME.iloc[:0].to_parquet(path)
    with pytest.raises(DataError, match="no data rows"):
        load_file(path, target="label")


def test_corrupt_parquet(tmp_path):
    path = write(tmp_path, "broken.parquet", "this is not parquet")
    with pytest.raises(DataError, match="not a readable Parquet file"):
        load_file(path, target="label")


def test_target_with_empty_values_says_how_many_and_where(tmp_path):
    path = write(tmp_path, "d.csv", "a,label\n1,x\n2,\n3,y\n4,\n")
    with pytest.raises(DataError, match=r"empty in 2 rows \(first at line 3\).*drop those rows"):
        load_file(path, target="label")


def test_target_with_a_single_class(tmp_path):
    path = write(tmp_path, "d.csv", "a,label\n1,spam\n2,spam\n")
    with pytest.raises(DataError, match="single class 'spam'.*at least two"):
        load_file(path, target="label")


def test_all_nan_feature_column_is_named(tmp_path):
    path = write(tmp_path, "d.csv", "a,blank,label\n1,,x\n2,,y\n")
    with pytest.raises(InvalidFeaturesError, match="'blank'"):
        load_file(path, target="label")


def test_nan_in_numeric_features_says_rows_and_columns(tmp_path):
    path = write(tmp_path, "d.csv", "a,b,c,label\n1,2,3,x\n4,,6,y\n7,8,,x\n1,2,3,y\n")
    with pytest.raises(InvalidFeaturesError,
                       match=r"missing in 2 rows \(first at line 3\), columns 'b', 'c'; impute"):
        load_file(path, target="label")


def test_infinite_features_are_rejected(tmp_path):
    path = tmp_path / "d.parquet"
    pd.DataFrame({"a": [1.0, np.inf], "label": ["x", "y"]}).to_parquet(path)
    with pytest.raises(InvalidFeaturesError, match=r"infinite in 1 row \(first at row 2\)"):
        load_file(path, target="label")


def test_empty_text_is_rejected(tmp_path):
    path = write(tmp_path, "d.jsonl", '{"t": "hi", "label": "x"}\n{"t": null, "label": "y"}\n')
    with pytest.raises(InvalidFeaturesError, match="text column 't' is empty in 1 row"):
        load_file(path, target="label", text_column="t")


def test_the_text_column_is_guessed_when_none_is_given(tmp_path):
    """The longest free-text column is the text; an id column (one word) never is."""
    path = tmp_path / "d.csv"
    notes = [f"note number {i} about {'cats' if i % 2 else 'dogs'}" for i in range(300)]
    pd.DataFrame({"id": [f"item-{i:05d}-x" for i in range(300)], "note": notes,
                  "title": [f"title {i}" for i in range(300)], "colour": ["red", "blue"] * 150,
                  "label": ["a", "b"] * 150}).to_csv(path, index=False)
    dataset = load_file(path, target="label")
    assert dataset.kind == "text" and list(dataset.X) == notes
    assert "Text column 'note' guessed" in dataset.description
    # A small file of sentences is text too; categories and numbers stay tabular.
    small = tmp_path / "small.csv"
    pd.DataFrame({"n": range(6), "colour": ["red", "blue", "red"] * 2,
                  "body": [f"message {i} says something rather long" for i in range(6)],
                  "label": ["a", "b"] * 3}).to_csv(small, index=False)
    assert load_file(small, target="label").kind == "text"
    tabular = tmp_path / "tabular.csv"
    pd.DataFrame({"n": range(6), "city": ["New York", "Paris", "Rome"] * 2,
                  "label": ["a", "b"] * 3}).to_csv(tabular, index=False)
    assert load_file(tabular, target="label").kind == "tabular"


def test_an_id_column_is_not_text_and_the_error_suggests_text_column(tmp_path):
    path = tmp_path / "d.csv"
    pd.DataFrame({"note": [f"note-{i}" for i in range(300)],
                  "label": ["a", "b"] * 150}).to_csv(path, index=False)
    with pytest.raises(InvalidFeaturesError, match="text_column='note'"):
        load_file(path, target="label")


def test_nested_json_values_are_rejected(tmp_path):
    path = write(tmp_path, "d.jsonl", '{"a": [1, 2], "label": "x"}\n{"a": [3], "label": "y"}\n')
    with pytest.raises(InvalidFeaturesError, match="'a' holds nested values"):
        load_file(path, target="label")


def test_duplicate_header_names(tmp_path):
    path = write(tmp_path, "d.csv", "a,a,label\n1,2,x\n3,4,y\n")
    with pytest.raises(DataError, match="'a' appears twice"):
        load_file(path, target="label")


def test_target_as_text_column(tmp_path):
    path = write(tmp_path, "d.csv", "t,label\nhi,x\nyo,y\n")
    with pytest.raises(DataError, match="both the target and the text column"):
        load_file(path, target="label", text_column="label")


def test_only_a_target_column(tmp_path):
    path = write(tmp_path, "d.csv", "label\nx\ny\n")
    with pytest.raises(DataError, match="no feature columns"):
        load_file(path, target="label")


def test_unknown_non_path_name_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown dataset 'no_such_set'"):
        load_dataset("no_such_set")


def test_a_missing_file_path_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_dataset(str(tmp_path / "gone.jsonl"), target="label")


def test_jsonl_rows_may_differ_in_keys(tmp_path):
    rows = [{"a": 1, "label": "x"}, {"a": 2, "b": "q", "label": "y"}]
    path = write(tmp_path, "d.jsonl", "\n".join(json.dumps(r) for r in rows))
    ds = load_file(path, target="label")
    assert ds.feature_names == ["a", "b=missing", "b=q"]
