"""Tests for lithm.findings on hand-built stores whose answers are known in advance."""

import pytest

from lithm.analysis import load_results
from lithm.config import RunConfig
from lithm.findings import (
    all_findings,
    connection_threshold,
    init_ablation,
    steps_per_epoch,
    steps_to_reach,
)


def record(val, *, model="fcn", level=0.5, fold=0, offset=0.0, dataset="mnist", **config):
    """One run with clean validation accuracy ``val`` per epoch (+ ``offset``)."""
    cfg = RunConfig(dataset=dataset, model=model, augmentation="translation", level=level,
                    fold=fold, subset=600, batch_size=64, epochs=20, patience=None,
                    **config)  # fmt: skip
    history = [
        {"epoch": e, "loss": 1.0, "acc": v + offset, "val_loss": 1.0, "val_acc": v + offset,
         "translation": v, "noise": v, "rotation": v, "edge_noise": v, "swap": v,
         "seconds": 1.0}
        for e, v in enumerate(val, start=1)
    ]  # fmt: skip
    return {"config": cfg.to_dict(), "run_id": cfg.run_id, "history": history, "summary": {},
            "provenance": {"device": "cpu"}}  # fmt: skip


FAST = [0.5, 0.96, 0.97, 0.98, 0.98, 0.98]  # CNN: best 0.98, 95 % of it (0.931) at epoch 2
SLOW = [0.3, 0.5, 0.7, 0.9, 0.95, 0.96]  # FCN: first >= 0.931 at epoch 5


def test_steps_per_epoch_counts_the_training_images():
    # 600 images, 5 folds: 120 held out, 480 for training, 64 per batch -> 7 full steps
    row = {"dataset": "mnist", "subset": 600, "n_folds": 5, "fold": 0, "batch_size": 64}
    assert steps_per_epoch(row) == 480 // 64
    # the paper's MNIST: 70,000 images, fold 0 holds out 14,000
    assert steps_per_epoch({**row, "subset": None, "batch_size": 256}) == 56_000 // 256


def test_fcn_needs_three_more_epochs():
    records = [record(FAST, model="cnn", level=lv, fold=f) for lv in (0.5, 0.9) for f in (0, 1)]
    records += [record(SLOW, model="fcn", level=lv, fold=f) for lv in (0.5, 0.9) for f in (0, 1)]
    f = steps_to_reach(load_results(records))
    assert f.value == 3
    assert set(f.table["fcn_epochs"]) == {5} and set(f.table["cnn_epochs"]) == {2}
    assert set(f.table["fcn_steps"] - f.table["cnn_steps"]) == {3 * (480 // 64)}
    assert "3 epochs (21 steps) later than the CNN" in f.sentence
    assert "50% translation" in f.sentence and "90% translation" in f.sentence
    assert "needed 3 more epochs than the CNN" in f.short
    assert "median over 4 level-and-fold pairs at 50 and 90 % translation" in f.short


def test_fcn_faster_or_never_is_said_so():
    records = [record(SLOW, model="cnn", level=0.5), record(FAST, model="fcn", level=0.5)]
    f = steps_to_reach(load_results(records), levels=(0.5,))
    assert f.value < 0 and "earlier than the CNN" in f.sentence
    assert "fewer epochs than the CNN" in f.short and "at 50 % translation" in f.short
    never = [record(FAST, model="cnn", level=0.9), record([0.2] * 6, model="fcn", level=0.9)]
    f = steps_to_reach(load_results(never), levels=(0.9,))
    assert f.value is None and "never reached" in f.sentence and "did not reach" in f.short


def test_steps_to_reach_cannot_tell_without_pairs():
    f = steps_to_reach(load_results([record(FAST, model="cnn")]))
    assert f.value is None and f.sentence.startswith("Cannot tell")


PLATEAU = [0.9, 0.95, 0.97, 0.975, 0.98, 0.978, 0.979]


def test_init_ablation_paired_differences():
    records = []
    for fold in (0, 1, 2):
        records.append(record(PLATEAU, model="cnn", level=0.3, fold=fold))
        records.append(record(PLATEAU, model="fcn", level=0.3, fold=fold, offset=-0.02))
        records.append(record(PLATEAU, model="fcn", level=0.3, fold=fold, offset=-0.01,
                              init="conv"))  # fmt: skip
    f = init_ablation(load_results(records), datasets=["mnist"])
    assert f.value == pytest.approx(0.01)
    by = f.table.set_index("difference")["ours"]
    assert by["conv FCN − CNN"] == pytest.approx(-0.01)
    assert by["Keras FCN − CNN"] == pytest.approx(-0.02)
    assert "conv − Keras FCN: +0.010" in f.sentence and "higher" in f.sentence
    assert "lower" in f.sentence
    assert f.parts == (f.sentence,)  # one setting: one part, the whole sentence


def test_init_ablation_one_part_per_setting():
    records = []
    for level in (0.0, 0.3):
        for fold in (0, 1):
            records.append(record(PLATEAU, model="cnn", level=level, fold=fold))
            records.append(record(PLATEAU, model="fcn", level=level, fold=fold, offset=-0.02))
            records.append(record(PLATEAU, model="fcn", level=level, fold=fold, offset=-0.01,
                                  init="conv"))  # fmt: skip
    f = init_ablation(load_results(records), datasets=["mnist"])
    assert [p.split(",")[0] for p in f.parts] == [
        "MNIST at 0% translation",
        "MNIST at 30% translation",
    ]
    assert f.sentence == " ".join(f.parts)


def test_init_ablation_missing_runs():
    f = init_ablation(load_results([record(PLATEAU, model="cnn")]))
    assert f.value is None and f.sentence.startswith("Cannot tell") and f.parts == ()


def connection_store(drops, mode="synapse"):
    records = [record(PLATEAU, level=0.3)]
    for prob, drop in drops.items():
        records.append(record(PLATEAU, level=0.3, connection_mode=mode, connection_prob=prob,
                              offset=-drop))  # fmt: skip
    return load_results(records)


def test_connection_threshold_finds_the_fall():
    frame = connection_store({0.2: 0.0, 0.5: 0.005, 0.8: 0.05, 0.9: 0.3})
    f = connection_threshold(frame, datasets=["mnist"])
    assert f.value == 0.5
    assert "up to p = 0.5" in f.sentence and "5.0 points below" in f.sentence
    assert f.short.endswith("up to p = 0.5")
    assert "input mask" in f.sentence and "cannot tell" in f.sentence  # no input-mask runs


def test_connection_threshold_never_falls_and_missing():
    f = connection_threshold(connection_store({0.2: 0.0, 0.5: 0.001}), datasets=["mnist"])
    assert f.value == 0.5 and "every stored probability" in f.sentence
    f = connection_threshold(load_results([]), datasets=["mnist", "cifar10"])
    assert f.value is None and f.sentence.count("cannot tell") == 2


def test_connection_threshold_baseline_at_chance():
    low = [0.1, 0.11, 0.12, 0.11]
    records = [record(low, level=0.3), record(low, level=0.3, connection_mode="synapse",
                                              connection_prob=0.5)]  # fmt: skip
    f = connection_threshold(load_results(records), datasets=["mnist"])
    assert f.value is None and "near chance" in f.sentence


def test_all_findings_on_an_empty_frame():
    assert [f.value for f in all_findings(load_results([]))] == [None, None, None]


def test_near_chance_is_cannot_tell():
    low = [0.1, 0.11, 0.12, 0.11, 0.12]
    records = [record(low, model="cnn", level=0.5), record(low, model="fcn", level=0.5)]
    f = steps_to_reach(load_results(records), levels=(0.5,))
    assert f.value is None and "near chance" in f.sentence and "cannot tell" in f.short
    records += [record(low, model="fcn", level=0.5, init="conv", offset=0.03)]
    f = init_ablation(load_results(records), datasets=["mnist"])
    assert f.value is None and "cannot tell" in f.short


def test_init_ablation_reads_the_folds_of_the_conv_runs():
    records = []
    for fold in (0, 1):  # Keras FCN and CNN on two folds, fold 1 with a larger gap
        records.append(record(PLATEAU, model="cnn", level=0.3, fold=fold))
        records.append(
            record(PLATEAU, model="fcn", level=0.3, fold=fold, offset=-0.02 * (fold + 1))
        )
    records.append(record(PLATEAU, model="fcn", level=0.3, fold=0, offset=-0.01, init="conv"))
    by = init_ablation(load_results(records), datasets=["mnist"]).table.set_index("difference")
    assert (by["n_folds"] == 1).all()  # fold 0 only, the conv run's
    assert by.loc["Keras FCN − CNN", "ours"] == pytest.approx(-0.02)
    total = by.loc["conv − Keras FCN", "ours"] + by.loc["Keras FCN − CNN", "ours"]
    assert by.loc["conv FCN − CNN", "ours"] == pytest.approx(total)


def test_connection_threshold_names_modes_the_profile_does_not_train():
    records = [record(PLATEAU, level=0.3, dataset="cifar10"),
               record(PLATEAU, level=0.3, dataset="cifar10", connection_mode="synapse",
                      connection_prob=0.8, offset=-0.002)]  # fmt: skip
    frame = load_results(records)
    f = connection_threshold(frame, datasets=["cifar10"], profile="book")
    assert "CIFAR-10, input mask: not trained in the book profile" in f.sentence
    assert "cannot tell" not in f.sentence and f.value == 0.8
    plain = connection_threshold(frame, datasets=["cifar10"])  # without a profile: missing runs
    assert "CIFAR-10, input mask: cannot tell, no run stored" in plain.sentence
