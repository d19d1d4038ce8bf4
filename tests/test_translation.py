"""Tests of lithm.translation: the chapters 3–5 tables and figures, on hand-made records."""

import numpy as np
import pandas as pd
import pytest

from lithm.analysis import demo_records, load_results
from lithm.paper import paper_value
from lithm.translation import (
    aggregation_figure,
    fcn_minus_cnn,
    final_epochs,
    gap_table,
    level_figure,
    paper_difference,
    plot_gaps,
    rebuilt_table,
    results_explorer,
)


@pytest.fixture(scope="module")
def frame():
    return load_results(demo_records())


def test_gap_table_against_a_direct_computation(frame):
    table = gap_table(frame, "mnist", "validation", "translation")
    runs = frame[(frame["model"] == "fcn") & np.isclose(frame["level"], 0.1)]
    authors = runs["val_acc"].median() - runs["translation"].median()
    last = runs.sort_values("epoch").groupby("run_id").tail(1)
    final = (last["val_acc"] - last["translation"]).median()
    row = table.loc[("fcn", 0.1)]
    assert row["gap (authors)"] == pytest.approx(authors)
    assert row["final_gap"] == pytest.approx(final)
    paper = paper_value("translation", "mnist", "fcn", 0.1, "validation") - paper_value(
        "translation", "mnist", "fcn", 0.1, "translation"
    )
    assert row["paper gap"] == pytest.approx(paper)
    assert row["gap − paper"] == pytest.approx(authors - paper)


def test_empty_store_gives_empty_tables_and_no_figure():
    empty = load_results([])
    assert gap_table(empty, "mnist", "train", "validation").empty
    assert final_epochs(empty).empty
    assert fcn_minus_cnn(empty, ["mnist"]).empty
    assert level_figure(empty, ["mnist"]) is None
    assert len(plot_gaps({}, "train", "validation").axes) == 1


def test_paper_difference_is_nan_off_the_paper_grid():
    assert np.isnan(paper_difference("mnist", "cnn", 0.25, "train", "validation"))


def test_final_epochs_decline_and_best_epoch(frame):
    last = final_epochs(frame)
    assert len(last) == frame["run_id"].nunique()
    assert (last["decline"] >= 0).all() and (last["best_epoch"] <= last["epoch"]).all()


def test_fcn_minus_cnn_matches_the_two_columns(frame):
    out = fcn_minus_cnn(frame, ["mnist"], way="final")
    paper = paper_value("translation", "mnist", "fcn", 0.0, "validation") - paper_value(
        "translation", "mnist", "cnn", 0.0, "validation"
    )
    assert out.loc[("mnist", 0.0), "paper: FCN − CNN"] == pytest.approx(paper)


def test_rebuilt_table_figures_and_explorer(frame):
    styled = rebuilt_table(frame, "mnist", "final")
    assert isinstance(styled.data, pd.DataFrame) and "Table 1" in styled.caption
    fig, values, runs = aggregation_figure(frame, "mnist", "cnn", 0.0)
    assert values["final epoch (median over folds)"] == pytest.approx(
        runs.groupby("fold").tail(1)["val_acc"].median()
    )
    assert level_figure(frame, ["mnist"]).get_figwidth() >= 9.0
    box = results_explorer(frame, ["mnist"])
    assert box.output.outputs  # the first figure is in the widget's state
