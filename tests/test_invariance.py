"""Tests for lithm.invariance: the figures, tables and sentences of chapter 4 (paper §5.2)."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch

import lithm.invariance as inv
from lithm.analysis import demo_records, load_results
from lithm.config import RunConfig
from lithm.data import DataMissingError, synthetic_dataset, to_float
from lithm.experiments import expand
from lithm.paper import paper_value
from lithm.probes import SHIFT_FRACTIONS
from lithm.store import ResultsStore


def _probes(size, accuracy):
    """Probes of every shift of the grid, the accuracy a function of (axis, px)."""
    pixels = [round(f * size) for f in SHIFT_FRACTIONS]
    return {
        "shift_x": {str(px): accuracy("x", px) for px in pixels},
        "shift_y": {str(px): accuracy("y", px) for px in pixels},
    }


def _shifts(seed=0):
    """A shift table of MNIST CNN and FCN runs, 2 folds at levels 0 and 0.3, random accuracies."""
    rng = np.random.default_rng(seed)
    records = []
    for model in ("cnn", "fcn"):
        for level in (0.0, 0.3):
            for fold in (0, 1):
                config = RunConfig("mnist", model, "translation", level=level, fold=fold)
                values = {}

                def accuracy(axis, px, values=values):
                    values[(axis, px)] = float(rng.uniform(0.1, 1.0))
                    return values[(axis, px)]

                records.append({"config": config.to_dict(), "probes": _probes(28, accuracy)})
    return inv.shift_table(records)


# --------------------------------------------------------------------------------------------
# Loading the probes
# --------------------------------------------------------------------------------------------


def test_shift_table_rows_fractions_and_skipped_records():
    cifar = RunConfig("cifar10", "fcn", "translation", level=0.1, fold=1)
    records = [
        {"config": cifar.to_dict(), "probes": {"shift_x": {"10": 0.5, "5": 0.4}, "shift_y": {}}},
        {"config": RunConfig("mnist", "cnn").to_dict(), "probes": None},  # no probes: skipped
        None,  # not stored: skipped
    ]
    table = inv.shift_table(records)
    assert table.columns.tolist() == [
        "dataset", "model", "level", "fold", "run_id", "axis", "shift_px", "shift", "accuracy",
    ]  # fmt: skip
    assert len(table) == 2 and set(table["run_id"]) == {cifar.run_id}
    # 10 px on 32 px is the grid's 30 % (round(0.3 * 32) = 10); 5 px is off the grid: 5 / 32
    assert table["shift"].tolist() == [0.3, 5 / 32]
    assert table[["dataset", "model", "level", "fold", "axis"]].iloc[0].tolist() == [
        "cifar10", "fcn", 0.1, 1, "x",
    ]  # fmt: skip
    assert inv.shift_table([]).empty


def test_load_shift_probes_reads_the_profile_runs_in_order(tmp_path):
    store = ResultsStore(tmp_path)
    configs = expand("translation", "smoke", "mnist")
    for i, config in enumerate(configs[:2]):
        record = {"config": config.to_dict(), "history": [], "summary": {"finished": True},
                  "probes": _probes(28, lambda axis, px, i=i: 0.5 + 0.1 * i)}  # fmt: skip
        store.write(record)
    table = inv.load_shift_probes("smoke", ["mnist"], store=store)
    assert table["run_id"].unique().tolist() == [c.run_id for c in configs[:2]]
    assert len(table) == 2 * 2 * len(SHIFT_FRACTIONS)
    assert np.allclose(table.groupby("run_id", sort=False)["accuracy"].mean(), [0.5, 0.6])
    assert inv.load_shift_probes("smoke", ["cifar10"], store=store).empty


# --------------------------------------------------------------------------------------------
# Statistics over folds
# --------------------------------------------------------------------------------------------


def test_fold_stats_against_numpy():
    three = pd.DataFrame({"model": "cnn", "accuracy": [0.1, 0.2, 0.9]})
    assert np.allclose(
        inv.fold_stats(three, ["model"]).iloc[0, 1:].astype(float), [0.4, 0.1, 0.9, 3]
    )
    shifts = _shifts()
    stats = inv.fold_stats(shifts, ["model", "level", "axis", "shift_px"])
    assert len(stats) == 2 * 2 * 2 * len(SHIFT_FRACTIONS) and set(stats["folds"]) == {2}
    for _, row in stats.sample(5, random_state=0).iterrows():
        keys = ["model", "level", "axis", "shift_px"]
        match = (shifts[keys] == row[keys]).all(axis=1)
        acc = shifts.loc[match, "accuracy"].to_numpy()
        assert np.isclose(row["mean"], np.mean(acc))
        assert (row["min"], row["max"]) == (acc.min(), acc.max())


def test_folded_curves_average_sign_and_axis_then_folds():
    shifts = _shifts()
    folded = inv.folded_curves(shifts)
    assert sorted(folded["size"].unique()) == [0.0, 0.1, 0.2, 0.3, 0.4]
    # by hand: the 4 values at ±3 px, x and y, per fold, then mean and range over the two folds
    part = shifts[(shifts["model"] == "fcn") & (shifts["level"] == 0.3)]
    per_fold = [part.loc[(part["fold"] == f) & (part["shift_px"].abs() == 3), "accuracy"].mean()
                for f in (0, 1)]  # fmt: skip
    row = folded[(folded["model"] == "fcn") & (folded["level"] == 0.3) & (folded["size"] == 0.1)]
    assert np.isclose(row["mean"].item(), np.mean(per_fold))
    assert np.isclose(row["min"].item(), min(per_fold))
    assert np.isclose(row["max"].item(), max(per_fold))
    table = inv.folded_table(folded)
    assert table.columns.tolist() == [f"|shift| {s}%" for s in (0, 10, 20, 30, 40)]
    assert np.isclose(table.loc[("mnist", "fcn", 0.3), "|shift| 10%"], np.mean(per_fold))


# --------------------------------------------------------------------------------------------
# Computed sentences and tables
# --------------------------------------------------------------------------------------------


def _folded(rows):
    return pd.DataFrame(rows, columns=["dataset", "model", "level", "size", "mean"])


def test_describe_widening_rises_or_not():
    folded = _folded([
        ("mnist", "cnn", 0.0, 0.2, 0.40), ("mnist", "cnn", 0.3, 0.2, 0.70),
        ("mnist", "fcn", 0.0, 0.2, 0.40), ("mnist", "fcn", 0.3, 0.2, 0.41),
        ("cifar10", "cnn", 0.0, 0.2, 0.30),  # one level only: no sentence
        ("mnist", "cnn", 0.0, 0.1, 0.99),  # another size: ignored
    ])  # fmt: skip
    cnn, fcn = inv.describe_widening(folded)
    assert cnn.startswith("MNIST CNN: accuracy at a 20% shift, by training level: 0.40 (0%), 0.70")
    assert cnn.endswith("it rises, up to 0.70 at 30%.")
    assert fcn.endswith("it does not rise by more than 2 points.")
    assert inv.describe_widening(folded, size=0.4) == []


def test_retention_against_a_hand_computation():
    rows = []
    clean = {("cnn", 0.0): 0.8, ("fcn", 0.0): 0.9, ("cnn", 0.3): 0.9, ("fcn", 0.3): 0.6}
    shifted = {("cnn", 0.0): (0.6, 0.4), ("fcn", 0.0): (0.45, 0.3),
               ("cnn", 0.3): (0.9, 0.72), ("fcn", 0.3): (0.6, 0.6)}  # fmt: skip
    for (model, level), c in clean.items():
        a10, a20 = shifted[(model, level)]
        rows += [("mnist", model, level, 0.0, c), ("mnist", model, level, 0.1, a10),
                 ("mnist", model, level, 0.2, a20), ("mnist", model, level, 0.3, 0.0)]  # fmt: skip
    folded = _folded(rows)  # 30 % lies outside the ±25 % test: not averaged
    expected = {key: np.mean(shifted[key]) / clean[key] for key in clean}
    table = inv.retention_table(folded)
    assert table.columns.tolist() == ["retention, CNN", "retention, FCN"]
    for level in (0.0, 0.3):
        assert np.isclose(table.loc[("mnist", level), "retention, CNN"], expected[("cnn", level)])
        assert np.isclose(table.loc[("mnist", level), "retention, FCN"], expected[("fcn", level)])
    (sentence,) = inv.describe_retention(folded)
    diffs = [expected[("cnn", lv)] - expected[("fcn", lv)] for lv in (0.0, 0.3)]
    assert f"at {sum(d > 0 for d in diffs)} of 2 training levels" in sentence
    assert f"is {np.mean(diffs):+.3f} (CNN − FCN" in sentence
    assert sentence.endswith("averaged over the shifts of 10% and 20%).")
    only_cnn = folded[folded["model"] == "cnn"]
    assert inv.describe_retention(only_cnn) == [
        "Both models are needed for the comparison; not enough runs stored yet."
    ]
    assert inv.retention_table(only_cnn).columns.tolist() == ["cnn"]


def test_describe_clean_accuracy_at_the_top_level_both_models_reach():
    folded = _folded([
        ("mnist", "cnn", 0.0, 0.0, 0.95), ("mnist", "fcn", 0.0, 0.0, 0.94),
        ("mnist", "cnn", 0.3, 0.0, 0.97), ("mnist", "fcn", 0.3, 0.0, 0.96),
        ("mnist", "cnn", 0.5, 0.0, 0.99),  # the FCN is missing at 50 %: not the top level
        ("mnist", "cnn", 0.3, 0.1, 0.10),  # not clean: ignored
    ])  # fmt: skip
    mnist, cifar = inv.describe_clean_accuracy(folded, ["mnist", "cifar10"])
    paper = paper_value("translation", "mnist", "fcn", 0.3, "validation")
    assert mnist.startswith("MNIST, trained at 30%: clean accuracy CNN 0.970, FCN 0.960 (at 0 %: ")
    assert "(at 0 %: CNN 0.950, FCN 0.940)" in mnist and f"FCN {paper:.3f}." in mnist
    assert cifar == "CIFAR-10: the probes of both models are not stored yet."


def test_styled_rounds_and_captions():
    html = inv.styled(pd.DataFrame({"a": [0.123456, np.nan]}), "the caption", 2).to_html()
    assert "<caption>the caption</caption>" in html and "0.12" in html and "0.123" not in html
    assert "–" in html


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


def test_plot_translation_epochs_from_demo_records(capsys):
    frame = load_results(demo_records())
    fig = inv.plot_translation_epochs(frame, ["mnist", "cifar10"])  # no CIFAR-10 runs: one row
    assert len(fig.axes) == 2
    assert [len(ax.lines) for ax in fig.axes] == [3, 3]  # levels 0 and 0.1, and chance
    assert [ax.get_title() for ax in fig.axes] == ["MNIST, FCN", "MNIST, CNN"]
    assert "MNIST: reduced scale" in fig.get_suptitle()
    assert inv.plot_translation_epochs(frame, ["cifar10"]) is None
    assert capsys.readouterr().out == "No runs stored yet.\n"


def test_plot_shift_curves_one_line_per_level():
    curve = inv.fold_stats(_shifts(), ["dataset", "model", "level", "axis", "shift", "shift_px"])
    fig = inv.plot_shift_curves(curve, "mnist", [0.0, 0.3], "a scale")
    assert len(fig.axes) == 4 and fig.get_suptitle().endswith("\na scale")
    assert [len(ax.lines) for ax in fig.axes] == [3, 3, 3, 3]  # two levels and chance
    line = fig.axes[0].lines[1]  # the FCN's x curve at 0 %
    part = curve[(curve["model"] == "fcn") & (curve["level"] == 0.0) & (curve["axis"] == "x")]
    assert np.allclose(line.get_xdata(), part.sort_values("shift")["shift"] * 100)
    assert np.allclose(line.get_ydata(), part.sort_values("shift")["mean"])
    assert len(inv.plot_shift_curves(curve, "mnist", [0.3]).axes[0].lines) == 2
    assert inv.plot_shift_curves(curve, "cifar10", [0.0]) is None


def test_plot_cnn_vs_fcn_panels_and_curves():
    shifts = _shifts()
    fig = inv.plot_cnn_vs_fcn(shifts, "mnist", [0.0, 0.3, 0.9], "a scale", ncols=1)
    assert len(fig.axes) == 2  # 0.9 is not stored: two panels
    assert [len(ax.lines) for ax in fig.axes] == [3, 3]  # CNN, FCN and chance
    cnn = fig.axes[1].lines[1]
    part = shifts[(shifts["model"] == "cnn") & (shifts["level"] == 0.3)]
    per_run = part.groupby(["run_id", "shift"])["accuracy"].mean()  # x and y averaged
    assert np.allclose(cnn.get_ydata(), per_run.groupby("shift").mean().to_numpy())
    band = fig.axes[1].collections[0].get_paths()[0].vertices[:, 1]  # the CNN's fold range
    assert np.isclose(band.max(), per_run.max()) and np.isclose(band.min(), per_run.min())
    wide = inv.plot_cnn_vs_fcn(shifts, "mnist", [0.0, 0.3], ncols=3)
    assert len(wide.axes) == 2 and all(ax.get_visible() for ax in wide.axes)
    assert inv.plot_cnn_vs_fcn(shifts, "cifar10", [0.0]) is None


def test_plot_one_curve_and_explorer():
    curve = inv.fold_stats(_shifts(), ["dataset", "model", "level", "axis", "shift", "shift_px"])
    fig = inv.plot_one_curve(curve, "mnist", "cnn", 0.3)
    assert [line.get_label() for line in fig.axes[0].lines] == ["chance", "shift x", "shift y"]
    empty = inv.plot_one_curve(curve, "cifar10", "cnn", 0.3)
    assert len(empty.axes[0].lines) == 1 and len(empty.axes[0].texts) == 1
    pytest.importorskip("ipywidgets")
    box = inv.curve_explorer(curve, ["mnist"], [0.0, 0.3])
    assert [c.description for c in box.controls] == ["dataset", "model", "trained at"]
    assert box.controls[2].options == (("0%", 0.0), ("30%", 0.3))
    plt.close("all")


def test_shift_gallery_and_show_image():
    images = {ds: to_float(synthetic_dataset(ds, 2).images[:1]) for ds in ("mnist", "cifar10")}
    fig = inv.shift_gallery(images)
    assert len(fig.axes) == 4 * len(SHIFT_FRACTIONS)
    assert fig.axes[0].get_title() == "-40%\n-11 px"
    shown = fig.axes[4].get_images()[0].get_array()  # MNIST, unshifted
    assert np.allclose(shown, images["mnist"][0, 0].numpy())
    cifar = fig.axes[2 * len(SHIFT_FRACTIONS) + 4].get_images()[0].get_array()
    assert cifar.shape == (32, 32, 3)


def test_example_images_falls_back_to_synthetic(monkeypatch, capsys):
    def missing(name):
        raise DataMissingError(name)

    monkeypatch.setattr(inv, "load_dataset", missing)
    images, labels = inv.example_images("cifar10", n=3)
    assert images.shape == (3, 3, 32, 32) and images.dtype == torch.float32
    assert float(images.max()) <= 1.0 and labels.shape == (3,)
    assert "CIFAR-10 is not available here" in capsys.readouterr().out
    data = synthetic_dataset("mnist", 10)
    monkeypatch.setattr(inv, "load_dataset", lambda name: data)
    images, labels = inv.example_images("mnist", n=2)  # the last two images
    assert torch.equal(images, to_float(data.images[8:])) and torch.equal(labels, data.labels[8:])


def test_sentences_list_mnist_before_cifar10():
    rows = []
    for ds in ("cifar10", "mnist"):  # the alphabet's order in the input
        for model in ("cnn", "fcn"):
            for level in (0.0, 0.3):
                rows += [(ds, model, level, 0.0, 0.9), (ds, model, level, 0.2, 0.5 + level)]
    folded = _folded(rows)
    widening = inv.describe_widening(folded)
    assert [s.split(":")[0] for s in widening] == [
        "MNIST CNN", "MNIST FCN", "CIFAR-10 CNN", "CIFAR-10 FCN"
    ]  # fmt: skip
    assert [s.split(":")[0] for s in inv.describe_retention(folded)] == ["MNIST", "CIFAR-10"]
