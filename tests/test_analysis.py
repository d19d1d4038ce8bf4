"""Tests for lithm.analysis: loading the store, selecting runs, the two ways of aggregating.

Records are built by hand with known numbers, so every expected value is computed independently
(``statistics.median`` over explicit lists), never by the code under test.
"""

import statistics

import pandas as pd
import pytest

from lithm.analysis import (
    CONFIG_COLUMNS,
    MixedScaleError,
    at_scale,
    authors_table,
    comparison_table,
    curves,
    demo_records,
    fold_table,
    load_distances,
    load_results,
    provenance_summary,
    runs_of,
    scale_label,
)
from lithm.config import RunConfig
from lithm.paper import paper_value
from lithm.store import ResultsStore


def record(history, *, initial=None, provenance=None, **config):
    """A record in the format of lithm.train.train, from explicit per-epoch values.

    ``history`` is a list of dicts holding at least acc, val_acc and translation; other accuracies
    default to 0.5 and the epoch numbers are filled in.
    """
    # epochs is the cap (10): histories shorter than it stand for runs stopped early.
    settings = {"dataset": "mnist", "model": "cnn", "subset": 600, "epochs": 10}
    settings["patience"] = None
    settings.update(config)
    cfg = RunConfig(**settings)
    rows = []
    for epoch, values in enumerate(history, start=1):
        row = {"epoch": epoch, "loss": 1.0, "val_loss": 1.0, "seconds": 1.0}
        row.update({k: 0.5 for k in ("noise", "rotation", "edge_noise", "swap")})
        row.update(values)
        rows.append(row)
    return {
        "config": cfg.to_dict(),
        "run_id": cfg.run_id,
        "history": rows,
        "initial": initial or {},
        "summary": {"epochs_run": len(rows), "finished": True},
        "provenance": provenance or {"device": "cpu", "wall_seconds": 10.0},
    }


def epochs(val, acc=None, translation=None):
    """Per-epoch dicts from parallel lists of accuracies."""
    acc = acc or [v + 0.01 for v in val]
    translation = translation or [v - 0.5 for v in val]
    return [
        {"acc": a, "val_acc": v, "translation": t}
        for a, v, t in zip(acc, val, translation, strict=True)
    ]


# --------------------------------------------------------------------------------------------
# The authors' way: median over every epoch of every fold
# --------------------------------------------------------------------------------------------

# Validation counts out of 14,000 images, 2 folds x 3 epochs: the pooled median of an even number
# of values is the mean of the middle two, a half-integer count (protocol §9).
VAL_COUNTS = {0: [13860, 13866, 13869], 1: [13850, 13867, 13870]}
TRAIN = {0: [0.90, 0.95, 0.99], 1: [0.91, 0.96, 0.98]}
TRANS = {0: [0.30, 0.35, 0.37], 1: [0.31, 0.33, 0.36]}


@pytest.fixture
def two_folds():
    records = []
    for fold in (0, 1):
        val = [c / 14000 for c in VAL_COUNTS[fold]]
        records.append(
            record(
                epochs(val, TRAIN[fold], TRANS[fold]),
                augmentation="translation",
                level=0.1,
                fold=fold,
            )  # fmt: skip
        )
    return records


def test_authors_table_is_the_median_over_epochs_and_folds(two_folds):
    table = authors_table(load_results(two_folds), "translation", "mnist")
    assert len(table) == 1
    row = table.iloc[0]
    all_val = [c / 14000 for fold in (0, 1) for c in VAL_COUNTS[fold]]
    assert row["validation"] == pytest.approx(statistics.median(all_val))
    assert row["train"] == pytest.approx(statistics.median(TRAIN[0] + TRAIN[1]))
    assert row["translation"] == pytest.approx(statistics.median(TRANS[0] + TRANS[1]))
    assert (row["model"], row["level"], row["n_folds"], row["n_rows"]) == ("cnn", 0.1, 2, 6)


def test_authors_median_of_an_even_count_is_a_half_integer_count(two_folds):
    table = authors_table(load_results(two_folds), "translation", "mnist")
    count = table.loc[0, "validation"] * 14000
    assert count == pytest.approx(13866.5)  # (13866 + 13867) / 2: the middle two of six values
    assert all(abs(count - c) > 0.1 for fold in (0, 1) for c in VAL_COUNTS[fold])


def test_authors_table_of_other_metrics_and_labels(two_folds):
    table = authors_table(load_results(two_folds), "translation", "mnist", metrics=["swap"])
    assert list(table.columns) == ["dataset", "model", "level", "swap", "n_folds", "n_rows"]
    assert table.loc[0, "swap"] == 0.5
    assert table.attrs["way"] == "authors"
    assert "every epoch of every fold" in table.attrs["caption"]
    with pytest.raises(ValueError, match="valid metrics"):
        authors_table(load_results(two_folds), "translation", "mnist", metrics=["top5"])


# --------------------------------------------------------------------------------------------
# The sound way: one epoch per fold, then the median over folds
# --------------------------------------------------------------------------------------------


@pytest.fixture
def uneven_folds():
    """Fold 0: 3 epochs, best epoch 3. Fold 1 (stopped later): 4 epochs, a tie, best epoch 2."""
    fold0 = epochs([0.5, 0.7, 0.9], translation=[0.10, 0.20, 0.30])
    fold1 = epochs([0.6, 0.8, 0.8, 0.7], translation=[0.11, 0.21, 0.31, 0.41])
    return [
        record(fold0, augmentation="translation", level=0.3, fold=0),
        record(fold1, augmentation="translation", level=0.3, fold=1),
    ]


def test_fold_table_final_takes_each_folds_last_epoch(uneven_folds):
    table = fold_table(load_results(uneven_folds), "translation", "mnist", epoch="final")
    row = table.iloc[0]
    assert row["n_folds"] == 2
    assert row["validation"] == pytest.approx(statistics.median([0.9, 0.7]))
    assert (row["validation_min"], row["validation_max"]) == (0.7, 0.9)
    assert row["translation"] == pytest.approx(statistics.median([0.30, 0.41]))
    assert table.attrs["way"] == "final"


def test_fold_table_best_takes_the_first_epoch_of_highest_validation(uneven_folds):
    table = fold_table(load_results(uneven_folds), "translation", "mnist", epoch="best")
    row = table.iloc[0]
    assert row["validation"] == pytest.approx(statistics.median([0.9, 0.8]))
    # fold 1 ties at epochs 2 and 3: the first (epoch 2) is kept, as Keras' early stopping does.
    assert (row["translation_min"], row["translation_max"]) == (0.21, 0.30)
    with pytest.raises(ValueError, match="'final', 'best'"):
        fold_table(load_results(uneven_folds), "translation", "mnist", epoch="last")


# --------------------------------------------------------------------------------------------
# Beside the paper
# --------------------------------------------------------------------------------------------


@pytest.fixture
def mnist_cnn_and_fcn():
    """Level 0.1, 2 folds x 2 epochs; pooled validation medians 0.99 (CNN) and 0.985 (FCN)."""
    records = []
    for model, vals in (("cnn", [0.98, 0.99, 0.99, 1.0]), ("fcn", [0.97, 0.98, 0.99, 0.99])):
        for fold in (0, 1):
            val = vals[2 * fold : 2 * fold + 2]
            records.append(
                record(epochs(val), model=model, augmentation="translation", level=0.1, fold=fold)
            )
    return records


def test_comparison_table_joins_the_right_paper_cell(mnist_cnn_and_fcn):
    table = comparison_table(load_results(mnist_cnn_and_fcn), "translation", datasets=["mnist"])
    cell = table.query("model == 'cnn' and level == 0.1 and metric == 'validation'")
    assert len(cell) == 1
    cell = cell.iloc[0]
    assert cell["paper"] == 0.993071  # Table 1, MNIST CNN at 10 %, as printed
    assert cell["source"] == "Table 1"
    assert cell["ours"] == pytest.approx(0.99)
    assert cell["difference"] == pytest.approx(0.99 - 0.993071)
    fcn = table.query("model == 'fcn' and metric == 'validation'").iloc[0]
    assert fcn["paper"] == paper_value("translation", "mnist", "fcn", 0.1, "validation")
    assert fcn["difference"] == pytest.approx(fcn["ours"] - fcn["paper"])
    # every row: difference = ours - paper
    assert (table["difference"] - (table["ours"] - table["paper"])).abs().max() < 1e-9


def test_comparison_table_paper_is_nan_where_the_paper_has_no_value(mnist_cnn_and_fcn):
    frame = load_results(mnist_cnn_and_fcn)
    table = comparison_table(frame, "translation", "mnist", metrics=["validation", "swap"])
    assert table.loc[table["metric"] == "swap", "paper"].isna().all()
    assert table.loc[table["metric"] == "validation", "paper"].notna().all()


def test_comparison_table_fold_ways_have_spread(mnist_cnn_and_fcn):
    frame = load_results(mnist_cnn_and_fcn)
    table = comparison_table(frame, "translation", "mnist", way="final")
    cnn = table.query("model == 'cnn' and metric == 'validation'").iloc[0]
    assert (cnn["ours"], cnn["ours_min"], cnn["ours_max"], cnn["n_folds"]) == (0.995, 0.99, 1.0, 2)
    assert set(table["way"]) == {"final"}
    wide = comparison_table(frame, "translation", "mnist", way="final", wide=True)
    assert wide.loc[("mnist", 0.1), ("validation", "cnn", "paper")] == 0.993071
    with pytest.raises(ValueError, match="valid ways"):
        comparison_table(frame, "translation", "mnist", way="mean")


def test_comparison_table_for_connections_holds_ours_only():
    records = [
        record(epochs([0.9, 0.95]), model="fcn", augmentation="translation", level=0.3),
        record(
            epochs([0.8, 0.85]), model="fcn", augmentation="translation", level=0.3,
            connection_mode="synapse", connection_prob=0.5,
        ),
    ]  # fmt: skip
    table = comparison_table(load_results(records), "connections", "mnist")
    assert "paper" not in table.columns and "difference" not in table.columns
    validation = table[table["metric"] == "validation"]
    assert validation["setting"].tolist() == ["no mask", "synapse 0.50"]
    assert validation["ours"].tolist() == [pytest.approx(0.925), pytest.approx(0.825)]


# --------------------------------------------------------------------------------------------
# Selecting an experiment's runs
# --------------------------------------------------------------------------------------------


@pytest.fixture
def mixed():
    one = epochs([0.9])
    return [
        record(one, model="cnn", augmentation="none"),
        record(one, model="fcn", augmentation="translation", level=0.0),  # stored as "none"
        record(one, model="cnn", augmentation="translation", level=0.5),
        record(one, model="cnn", augmentation="noise", level=0.5),
        record(one, model="cnn", augmentation="rotation", level=0.1),
        record(one, model="fcn", augmentation="translation", level=0.3),
        record(
            one, model="fcn", augmentation="translation", level=0.3,
            connection_mode="synapse", connection_prob=0.5,
        ),
        record(
            one, model="fcn", augmentation="translation", level=0.3,
            connection_mode="input", connection_prob=0.9,
        ),
    ]  # fmt: skip


def _settings(frame):
    return sorted(
        zip(
            frame["model"],
            frame["augmentation"],
            frame["level"],
            frame["connection_mode"],
            strict=True,
        )  # fmt: skip
    )


def test_runs_of_shares_level_zero_runs_across_experiments(mixed):
    frame = load_results(mixed)
    zero = {("cnn", "none", 0.0, "none"), ("fcn", "none", 0.0, "none")}
    for name in ("translation", "noise", "edge-noise", "rotation"):
        assert zero <= set(_settings(runs_of(frame, name))), name
    assert _settings(runs_of(frame, "noise")) == sorted([*zero, ("cnn", "noise", 0.5, "none")])
    assert _settings(runs_of(frame, "edge-noise")) == sorted(zero)
    translation = _settings(runs_of(frame, "translation"))
    assert ("cnn", "noise", 0.5, "none") not in translation
    assert all(mode == "none" for *_, mode in translation)  # masks belong to "connections"
    assert ("fcn", "translation", 0.3, "none") in translation


def test_runs_of_connections_uses_the_unmasked_fcn_at_the_same_level(mixed):
    runs = runs_of(load_results(mixed), "connections")
    assert sorted(runs["setting"]) == ["input 0.90", "no mask", "synapse 0.50"]
    assert set(runs["level"]) == {0.3} and set(runs["model"]) == {"fcn"}
    assert runs_of(load_results(mixed), "connections", level=0.5).empty
    with pytest.raises(ValueError, match="valid experiments"):
        runs_of(load_results(mixed), "scaling")


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def test_load_results_from_a_store_skips_a_corrupt_file(tmp_path, two_folds):
    store = ResultsStore(tmp_path)
    for rec in two_folds:
        store.write(rec)
    (tmp_path / "mnist-cnn-translation0.10-f2of5-0123456789.json").write_text('{"config": ')
    with pytest.warns(UserWarning, match="unreadable"):
        frame = load_results(tmp_path)
    assert len(frame) == 6 and set(frame["fold"]) == {0, 1}
    assert sorted(frame["epoch"]) == [1, 1, 2, 2, 3, 3]
    assert load_results(store).shape == frame.shape  # a store object works the same way


def test_load_results_columns_and_values(two_folds):
    frame = load_results(two_folds)
    for column in (*CONFIG_COLUMNS, "run_id", "epoch", "acc", "val_acc", "translation", "swap"):
        assert column in frame.columns
    fold1 = frame[frame["fold"] == 1].sort_values("epoch")
    assert fold1["val_acc"].tolist() == [c / 14000 for c in VAL_COUNTS[1]]
    assert set(frame["connection_mode"]) == {"none"}


def test_empty_store_gives_empty_frames_with_the_right_columns(tmp_path):
    frame = load_results(ResultsStore(tmp_path))
    assert frame.empty and {"epoch", "val_acc", "dataset", "level"} <= set(frame.columns)
    distances = load_distances(tmp_path)
    assert distances.empty and {"epoch", "radius", "metric", "value"} <= set(distances.columns)
    assert authors_table(frame, "translation", "mnist").empty
    assert comparison_table(frame, "translation").empty
    assert scale_label(frame) == "no runs"
    with pytest.warns(UserWarning, match="no results folder"):
        assert load_results(tmp_path / "absent").empty
    with pytest.raises(TypeError, match="ResultsStore"):
        load_results(42)


def test_load_distances_puts_the_initial_weights_at_epoch_zero():
    fcn = record(
        [{**e, "dist_1": 0.2, "dist_4": 0.3, "cos_1": 0.9, "cos_4": 0.8} for e in epochs([0.9])],
        initial={"dist_1": 0.1, "dist_4": 0.15, "cos_1": 1.0, "cos_4": 1.0},
        model="fcn",
    )
    cnn = record(epochs([0.9]), model="cnn")
    d = load_distances([fcn, cnn])
    assert set(d["model"]) == {"fcn"}
    assert len(d) == 2 * 2 * 2  # epochs 0 and 1, radius 1 and 4, two metrics
    value = d.set_index(["epoch", "radius", "metric"])["value"]
    assert value[(0, 1, "euclidean")] == 0.1 and value[(0, 4, "euclidean")] == 0.15
    assert value[(1, 4, "cosine")] == 0.8
    # the accuracy table has no epoch-0 rows
    assert load_results([fcn])["epoch"].tolist() == [1]


# --------------------------------------------------------------------------------------------
# Curves, scale and provenance
# --------------------------------------------------------------------------------------------


def test_curves_describe_folds_per_epoch_including_late_epochs_with_fewer_folds(uneven_folds):
    c = curves(load_results(uneven_folds), "translation", "mnist", "validation")
    by_epoch = c.set_index("epoch")
    assert by_epoch.loc[1, "mean"] == pytest.approx(0.55)
    assert (by_epoch.loc[1, "min"], by_epoch.loc[1, "max"]) == (0.5, 0.6)
    assert by_epoch.loc[1, "std"] == pytest.approx(pd.Series([0.5, 0.6]).std())
    assert by_epoch.loc[3, "n"] == 2 and by_epoch.loc[4, "n"] == 1
    assert by_epoch.loc[4, "mean"] == 0.7
    with pytest.raises(ValueError, match="valid metrics"):
        curves(load_results(uneven_folds), "translation", "mnist", "f1")


def test_scale_label_states_the_scale_and_the_papers():
    records = [
        record(
            epochs([0.9] * 8), augmentation="translation", level=0.1, fold=f, subset=6000, epochs=8
        )
        for f in range(3)
    ]
    assert scale_label(load_results(records)) == (
        "CPU scale: 3 of 5 folds, 6,000-image subset, 8 epochs "
        "(paper: 5 folds, 70,000 images, up to 250 epochs)"
    )
    paper = [
        record(epochs([0.9]), fold=f, subset=None, epochs=500, patience=100, dataset="cifar10")
        for f in range(5)
    ]
    label = scale_label(load_results(paper))
    assert label.startswith("paper scale: 5 folds, all images, up to 500 epochs, patience 100")
    assert "60,000 images, up to 500 epochs" in label
    assert scale_label(load_results(demo_records())).startswith("reduced scale: 2 of 5 folds")
    both = scale_label(load_results(records + paper))
    assert both.startswith("MNIST: CPU scale: 3 of 5 folds, 6,000-image subset")
    assert "; CIFAR-10: paper scale: 5 folds, all images" in both


def test_scale_label_counts_folds_per_setting():
    # translation at 10 % on folds 0 and 1, noise at 0.1 on fold 0 only: "1–2 of 5 folds",
    # where counting distinct folds over the whole frame would say "2 of 5"
    runs = [record(epochs([0.9]), augmentation="translation", level=0.1, fold=f) for f in (0, 1)]
    runs.append(record(epochs([0.9]), augmentation="noise", level=0.1, fold=0))
    assert scale_label(load_results(runs)).startswith("CPU scale: 1–2 of 5 folds,")
    assert scale_label(load_results(runs[:2])).startswith("CPU scale: 2 of 5 folds,")


def test_provenance_summary_counts_runs_hours_devices_and_dates():
    prov = [
        {"device": "cpu", "device_name": "x86_64", "torch": "2.4.0", "git_commit": "abc",
         "wall_seconds": 1800.0, "started": "2026-01-02T00:00:00Z",
         "ended": "2026-01-02T01:00:00Z"},
        {"device": "cuda", "device_name": "A100", "torch": "2.5.0", "git_commit": "def+dirty",
         "wall_seconds": 5400.0, "started": "2026-01-01T00:00:00Z",
         "ended": "2026-01-03T00:00:00Z"},
    ]  # fmt: skip
    records = [record(epochs([0.9]), fold=i, provenance=p) for i, p in enumerate(prov)]
    summary = provenance_summary(records)
    assert summary["runs"] == 2
    assert summary["compute_hours"] == 2.0
    assert summary["devices"] == {"cpu (x86_64)": 1, "cuda (A100)": 1}
    assert summary["torch"] == ["2.4.0", "2.5.0"]
    assert summary["git_commits"] == ["abc", "def+dirty"]
    assert summary["first_started"] == "2026-01-01T00:00:00Z"
    assert summary["last_ended"] == "2026-01-03T00:00:00Z"


def test_runs_of_different_scales_never_pool_silently():
    same = [record(epochs([0.9, 0.95]), fold=f) for f in range(2)]
    longer = record(epochs([0.9]), fold=2, epochs=1, lr=1e-4)
    frame = load_results([*same, longer])
    for table in (authors_table, fold_table):
        with pytest.raises(MixedScaleError, match=r"epochs 1 \(1 run\), 10 \(2 runs\)") as err:
            table(frame, "translation", "mnist")
        assert "lr 0.0001 (1 run), 0.001 (2 runs)" in str(err.value)
        assert "at_scale" in str(err.value)
    with pytest.raises(MixedScaleError):
        comparison_table(frame, "translation", datasets=["mnist"])
    with pytest.raises(MixedScaleError):
        curves(frame, "translation", "mnist", "validation")
    # One scale selected: the table works, with the fold count of that scale only.
    table = fold_table(at_scale(frame, epochs=10), "translation", "mnist")
    assert int(table.loc[0, "n_folds"]) == 2
    # Different datasets may have different scales.
    cifar = record(epochs([0.5]), dataset="cifar10", epochs=3)
    assert not authors_table(load_results([*same, cifar]), "translation", "mnist").empty


def test_the_init_control_is_its_own_experiment():
    keras = record(epochs([0.9]), model="fcn", augmentation="translation", level=0.3)
    conv = record(epochs([0.8]), model="fcn", augmentation="translation", level=0.3, init="conv")
    frame = load_results([keras, conv])
    assert set(runs_of(frame, "translation")["init"]) == {"keras"}
    assert set(runs_of(frame, "init")["init"]) == {"conv"}
    assert fold_table(frame, "init", "mnist").loc[0, "validation"] == 0.8
