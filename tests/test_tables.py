"""lithm.tables: the one way every table of the book is made readable."""

import math
import pathlib
import re

import numpy as np
import pandas as pd
import pytest

from lithm.config import DISPLAY_NAMES, display_name
from lithm.tables import book_order, by_dataset, label, readable, relabel_index


def test_display_name_covers_datasets_and_models_and_passes_others_through():
    assert [display_name(k) for k in ("mnist", "cifar10", "cnn", "fcn")] == [
        "MNIST", "CIFAR-10", "CNN", "FCN",
    ]  # fmt: skip
    assert display_name("synapse") == "synapse" and display_name(None) is None


def test_no_module_keeps_its_own_copy_of_the_display_names():
    # why: the names were once spelt in 15 places; one copy drifting would make two tables
    # of the same book disagree on a name.
    root = pathlib.Path(__file__).parents[1]
    sources = [*(root / "src" / "lithm").glob("*.py"), *(root / "notebooks").glob("*.py")]
    offenders = [
        p.name for p in sources
        if p.name != "config.py" and '"cifar10": "CIFAR-10"' in p.read_text(encoding="utf-8")
    ]  # fmt: skip
    assert offenders == []


def test_label_writes_levels_as_percent_or_plain_and_rejects_other_styles():
    assert label(0.1, "level") == "10 %" and label(0.1, "level", level="plain") == "0.1"
    assert label(0.5, "p") == "0.5"  # a float on another axis is not a level
    assert label("val_acc", None, {"val_acc": "validation"}) == "validation"
    with pytest.raises(ValueError, match="percent"):
        label(0.1, "level", level="fraction")


def test_relabel_index_keeps_level_names_of_a_multiindex():
    index = pd.MultiIndex.from_tuples([("fcn", 0.3), ("cnn", 0.0)], names=["model", "level"])
    out = relabel_index(index)
    assert list(out) == [("FCN", "30 %"), ("CNN", "0 %")] and list(out.names) == ["model", "level"]


def test_book_order_puts_mnist_first_and_keeps_the_rest_of_the_order():
    t = pd.DataFrame({"dataset": ["cifar10", "mnist", "cifar10", "mnist"], "x": [1, 2, 3, 4]})
    assert book_order(t)["x"].tolist() == [2, 4, 1, 3]
    indexed = t.set_index(["dataset", "x"])
    assert [k[1] for k in book_order(indexed).index] == [2, 4, 1, 3]
    assert book_order(pd.DataFrame({"x": [2, 1]}))["x"].tolist() == [2, 1]


def test_book_order_takes_a_series_and_by_dataset_splits_in_book_order():
    series = pd.Series([0.1, 0.2], index=pd.Index(["CIFAR-10", "MNIST"], name="dataset"))
    assert book_order(series).index.tolist() == ["MNIST", "CIFAR-10"]
    t = pd.DataFrame({"dataset": ["cifar10", "mnist", "cifar10"], "x": [1, 2, 3]})
    assert [(ds, part["x"].tolist()) for ds, part in by_dataset(t)] == [
        ("mnist", [2]), ("cifar10", [1, 3])
    ]  # fmt: skip
    assert list(by_dataset(t[t["dataset"] == "cifar10"]))[0][0] == "cifar10"


def test_readable_orders_dataset_columns_too():
    long = pd.DataFrame({"dataset": ["cifar10", "mnist"], "level": [0.1, 0.1], "v": [0.4, 0.9]})
    wide = long.pivot_table(index="level", columns="dataset", values="v")  # alphabet: CIFAR first
    html = readable(wide).to_html()
    assert html.index("MNIST") < html.index("CIFAR-10")


def test_no_chapter_loops_over_datasets_in_the_alphabets_order():
    # why: groupby("dataset") sorts CIFAR-10 before MNIST; the book's order is the paper's
    root = pathlib.Path(__file__).parents[1]
    offenders = [
        p.name for p in (root / "notebooks").glob("*.py")
        if re.search(r"for \w+, \w+ in \w+\.groupby\(\"dataset\"\)", p.read_text(encoding="utf-8"))
    ]  # fmt: skip
    assert offenders == []


def test_readable_formats_against_a_hand_written_table():
    t = pd.DataFrame(
        {"dataset": ["cifar10", "mnist"], "level": [0.3, 0.0], "acc": [0.61234, np.nan],
         "epochs": [12.0, 30.0], "hours": [1.23456, 2.0]}
    )  # fmt: skip
    styler = readable(t, {"acc": "accuracy"}, digits={"hours": 1}, whole=("epochs",))
    shown = styler.data
    assert shown["dataset"].tolist() == ["MNIST", "CIFAR-10"]  # MNIST first, then renamed
    assert shown["level"].tolist() == ["0 %", "30 %"]
    assert list(shown.columns) == ["dataset", "level", "accuracy", "epochs", "hours"]
    html = styler.to_html()
    for text in ("0.612", "–", ">12<", ">1.2<", ">2.0<"):
        assert text in html, text
    assert "0.6123" not in html and "12.000" not in html and "1.235" not in html
    assert 'class="row_heading' not in html  # a plain row index is hidden
    assert math.isnan(t.loc[1, "acc"])  # the input is not changed


def test_chapter_helpers_share_the_formatting():
    from lithm.other_augmentations import readable as other_readable
    from lithm.pilot import readable as pilot_readable

    t = pd.DataFrame({"dataset": ["cifar10"], "model": ["fcn"], "level": [0.3]})
    assert other_readable(t).data["level"].tolist() == ["0.3"]  # the paper's Tables B.1-B.3
    assert pilot_readable(t).data["translation"].tolist() == ["30 %"]  # pilot: "level" is named
    assert set(DISPLAY_NAMES.values()) >= {"CIFAR-10", "FCN"}
