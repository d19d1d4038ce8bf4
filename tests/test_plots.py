"""Tests for lithm.plots: each figure function returns a Figure with the expected panels, lines."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from lithm.analysis import (  # noqa: E402
    comparison_table,
    demo_records,
    load_distances,
    load_results,
)
from lithm.plots import (  # noqa: E402
    level_colors,
    plot_connections,
    plot_filter_distance,
    plot_level_summary,
    plot_swap,
    plot_training_curves,
)


@pytest.fixture(scope="module")
def frame():
    return load_results(demo_records())


@pytest.fixture
def close():
    figures = []
    yield figures.append
    for fig in figures:
        plt.close(fig)


def test_training_curves_grid_fcn_left_cnn_right(frame, close):
    fig = plot_training_curves(frame, "mnist")
    close(fig)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 6
    assert [len(ax.lines) for ax in fig.axes] == [2] * 6  # levels 0 and 0.1
    assert fig.axes[0].get_title() == "(a) FCN" and fig.axes[1].get_title() == "(b) CNN"
    assert "cf. paper Fig. 3" in fig._suptitle.get_text()
    assert "2 of 5 folds" in fig._suptitle.get_text()  # the scale label is the subtitle
    legend = fig.legends[0]
    assert legend.get_title().get_text() == "translation %"
    assert [t.get_text() for t in legend.get_texts()] == ["0", "10"]
    # the FCN validation line at level 0 is the mean over folds of the demo numbers
    line = fig.axes[2].lines[0]
    assert line.get_xdata().tolist() == [1, 2, 3]
    assert np.allclose(line.get_ydata(), [0.95, 0.96, 0.97])


def test_training_curves_reject_unknown_inputs(frame):
    with pytest.raises(ValueError, match="no runs of 'cifar10'"):
        plot_training_curves(frame, "cifar10")
    with pytest.raises(ValueError, match="plot_connections"):
        plot_training_curves(frame, "mnist", experiment="connections")


def test_filter_distance_radius_one_left_four_right(close):
    fig = plot_filter_distance(load_distances(demo_records()), scale="")
    close(fig)
    assert len(fig.axes) == 2
    assert [len(ax.lines) for ax in fig.axes] == [2, 2]
    assert "distance 1" in fig.axes[0].get_title() and "distance 4" in fig.axes[1].get_title()
    assert fig.axes[0].lines[0].get_xdata()[0] == 0  # epoch 0: before training
    assert "Fig. 5" in fig._suptitle.get_text()


def test_swap_cnn_and_fcn_with_validation_and_chance(frame, close):
    fig = plot_swap(frame, "mnist", level=0.0)
    close(fig)
    assert len(fig.axes) == 1
    assert len(fig.axes[0].lines) == 5  # 2 swap, 2 clean validation, chance
    fig = plot_swap(frame, "mnist", show_validation=False, scale="")
    close(fig)
    assert len(fig.axes[0].lines) == 3
    with pytest.raises(ValueError, match="levels present"):
        plot_swap(frame, "mnist", level=0.7)


def test_connections_one_row_per_mask_mode(close):
    records = demo_records(connections=True)
    fig = plot_connections(load_results(records), "mnist")
    close(fig)
    assert len(fig.axes) == 4  # synapse and input rows x validation and translation columns
    assert [len(ax.lines) for ax in fig.axes] == [2, 2, 2, 2]  # no mask (0 %) and 50 %
    assert "synapse" in fig.axes[0].get_title() and "input" in fig.axes[2].get_title()
    assert fig.legends[0].get_title().get_text() == "connections absent %"
    fig = plot_connections(load_results(records), "mnist", metrics=("acc",), scale="")
    close(fig)
    assert len(fig.axes) == 2


def test_connections_missing_panels_carry_the_papers_letters(close):
    records = demo_records(connections=True)
    fig = plot_connections(load_results(records), "mnist", metrics=("a", "d", "e", "f"), scale="")
    close(fig)
    assert len(fig.axes) == 8  # 2 mask modes x panels (a), (d), (e), (f)
    letters = [ax.get_title()[:3] for ax in fig.axes[:4]]
    assert letters == ["(a)", "(d)", "(e)", "(f)"]
    assert fig.axes[4].get_title().startswith("(a) input")
    # panel (d) draws the rotated-fold accuracy: demo values are val_acc - 0.3 at every epoch
    y = fig.axes[1].lines[0].get_ydata()
    val = plot_connections(load_results(records), "mnist", metrics=("b",), scale="")
    close(val)
    assert np.allclose(y, val.axes[0].lines[0].get_ydata() - 0.3)


def test_level_summary_ours_beside_the_paper(frame, close):
    table = comparison_table(frame, "translation", "mnist", way="final")
    fig = plot_level_summary(table)
    close(fig)
    assert len(fig.axes) == 3  # one dataset x train, validation, translation
    # per panel: CNN and FCN ours, CNN and FCN paper markers at the paper's 11 levels
    assert [len(ax.lines) for ax in fig.axes] == [4, 4, 4]
    paper_line = fig.axes[1].lines[1]
    assert len(paper_line.get_xdata()) == 11 and paper_line.get_linestyle() == "None"
    with pytest.raises(ValueError, match="long comparison_table"):
        plot_level_summary(comparison_table(frame, "translation", "mnist", wide=True))


def test_level_colors_are_distinct_and_ordered():
    colors = level_colors([0.9, 0.0, 0.5])
    assert list(colors) == [0.0, 0.5, 0.9]
    assert len({tuple(c) for c in colors.values()}) == 3


def test_band_marks_the_epochs_after_the_first_fold_stopped():
    import pandas as pd

    from lithm.plots import _band

    # fold 0 stops after epoch 3, fold 1 runs to epoch 5: epochs 4-5 hold one fold only
    data = pd.DataFrame({"epoch": range(1, 6), "mean": [0.5, 0.6, 0.7, 0.9, 0.9],
                         "min": [0.4, 0.5, 0.6, 0.9, 0.9], "max": [0.6, 0.7, 0.8, 0.9, 0.9],
                         "n": [2, 2, 2, 1, 1]})  # fmt: skip
    fig, ax = plt.subplots()
    handle = _band(ax, data, "k", label="run")
    dotted = [line for line in ax.lines if line.get_linestyle() == ":"]
    assert handle.get_linestyle() == "-" and list(handle.get_xdata()) == [1, 2, 3]
    assert len(dotted) == 1 and list(dotted[0].get_xdata()) == [3, 4, 5]
    fig2, ax2 = plt.subplots()
    _band(ax2, data.assign(n=2), "k")  # every fold to the end: one solid line, no dotted tail
    assert [line.get_linestyle() for line in ax2.lines] == ["-"]
    plt.close(fig)
    plt.close(fig2)
