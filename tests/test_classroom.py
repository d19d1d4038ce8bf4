"""Tests of lithm.classroom: the "train it yourself" runs, on tiny synthetic data (seconds)."""

import math

import pytest
import torch
from torch import nn

from lithm.augment import evaluation_transform
from lithm.classroom import (
    CLASS_SCALE_ENV,
    CLASS_SCALES,
    ClassResult,
    default_scale,
    plot_in_class,
    train_in_class,
)
from lithm.data import DataMissingError
from lithm.train import evaluate


def _run(data, **kwargs):
    kwargs.setdefault("scale", "class")  # tiny data: the subset is the 240 images given
    kwargs.setdefault("epochs", 2)
    kwargs.setdefault("progress", False)
    return train_in_class(data=data, **kwargs)


def test_history_columns_models_and_settings(tiny_mnist):
    run = _run(tiny_mnist, evaluate=("translation", "swap"))
    assert isinstance(run, ClassResult)
    assert set(run.models) == {"cnn", "fcn"}
    cols = [
        "model",
        "epoch",
        "loss",
        "acc",
        "val_loss",
        "val_acc",
        "translation",
        "swap",
        "seconds",
    ]
    assert list(run.history.columns) == cols
    assert len(run.history) == 4  # 2 models x 2 epochs
    assert run.history[["acc", "val_acc", "translation", "swap"]].stack().between(0, 1).all()
    s = run.settings
    assert (s["n_train"], s["n_val"]) == (192, 48)  # 240 images, one of 5 folds held out
    assert s["steps"] == 2 * (192 // CLASS_SCALES["class"]["mnist"].batch_size)
    assert "class scale" in run.label and "MNIST" in run.label


def test_build_scale_caps_images_and_epochs(tiny_mnist):
    run = train_in_class(data=tiny_mnist, scale="build", images=10_000, epochs=50, progress=False,
                         models=("cnn",))  # fmt: skip
    cap = CLASS_SCALES["build"]["mnist"]
    assert run.settings["epochs"] == cap.epochs and run.settings["images"] <= cap.images


def test_final_accuracy_matches_an_independent_evaluation(tiny_mnist):
    """The stored clean accuracy of the last epoch is what lithm.train.evaluate gives the model."""
    from lithm.data import split

    run = _run(tiny_mnist, models=("cnn",))
    _, val_idx = split(tiny_mnist, 5, 0, subset=240, seed=0)
    _, acc = evaluate(run.models["cnn"], tiny_mnist.images[val_idx], tiny_mnist.labels[val_idx])
    assert run.final().loc["cnn", "val_acc"] == pytest.approx(acc)


def test_same_seed_same_numbers_and_models_are_paired(tiny_mnist):
    a = _run(tiny_mnist, models=("cnn", "fcn"))
    b = _run(tiny_mnist, models=("fcn",))
    # a model's run does not depend on which other models train with it
    fa = a.history[a.history["model"] == "fcn"].drop(columns="seconds").reset_index(drop=True)
    fb = b.history.drop(columns="seconds").reset_index(drop=True)
    assert fa.equals(fb)


def test_build_and_measures_train_a_custom_model(tiny_mnist):
    def build(dataset, name):
        if name != "gap":
            return None
        return nn.Sequential(
            nn.Conv2d(1, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10)
        )

    calls = []

    def weight_norm(model):
        calls.append(type(model).__name__)
        return float(sum(p.norm() ** 2 for p in model.parameters()) ** 0.5)

    run = _run(tiny_mnist, models=("cnn", "gap"), build=build, measures={"norm": weight_norm})
    assert isinstance(run.models["gap"], nn.Sequential)
    assert run.history["norm"].gt(0).all() and len(calls) == 4
    with pytest.raises(ValueError, match="build"):
        _run(tiny_mnist, models=("gap",))


def test_variant_names_keep_the_books_spelling_of_the_model():
    from lithm.classroom import _display_name

    assert _display_name("fcn") == "FCN" and _display_name("cnn") == "CNN"
    assert _display_name("fcn, true centre") == "FCN, true centre"
    assert _display_name("gap-cnn") == "gap-cnn", "unknown names pass through"
    assert _display_name("masked fcn") == "masked FCN", "a variant named before the model"


def test_custom_evaluation_transform(tiny_mnist):
    swap = evaluation_transform("swap")
    run = _run(tiny_mnist, models=("cnn",), evaluate={"my_swap": swap})
    ref = _run(tiny_mnist, models=("cnn",), evaluate=("swap",))
    assert run.history["my_swap"].tolist() == ref.history["swap"].tolist()


def test_init_and_connections_reach_the_fcn(tiny_mnist):
    run = _run(tiny_mnist, models=("fcn",), epochs=1, init="conv",
               connection_mode="synapse", connection_prob=0.5)  # fmt: skip
    layer = run.models["fcn"].first_layer
    assert layer.init == "conv" and layer.mask is not None
    assert 0.4 < float((layer.mask == 0).float().mean()) < 0.6


def test_summary_is_computed_and_cautious(tiny_mnist):
    run = _run(tiny_mnist)
    text = run.summary()
    final = run.final()
    assert f"{final.loc['cnn', 'val_acc']:.3f}" in text
    assert f"{final.loc['fcn', 'translation']:.3f}" in text
    assert math.isclose(run.noise_level(), 2 * math.sqrt(0.25 / run.settings["n_eval"]))
    assert run.difference("val_acc") == pytest.approx(
        final.loc["fcn", "val_acc"] - final.loc["cnn", "val_acc"]
    )
    # a run near chance says so instead of comparing the models
    near = ClassResult(run.history.assign(val_acc=0.1, translation=0.1), run.models, run.settings)
    assert "near chance" in near.summary()


def test_plot_in_class_one_and_several_runs(tiny_mnist):
    run = _run(tiny_mnist, epochs=1)
    fig = plot_in_class(run)
    assert len(fig.axes) == 3 and len(fig.axes[0].lines) == 3  # 2 models + chance line
    fig = plot_in_class({"0 %": run, "again": run}, metrics=("val_acc",))
    assert len(fig.axes[0].lines) == 5


def test_default_scale_reads_the_environment(monkeypatch):
    monkeypatch.delenv(CLASS_SCALE_ENV, raising=False)
    assert default_scale() == "class"
    monkeypatch.setenv(CLASS_SCALE_ENV, "build")
    assert default_scale() == "build"
    monkeypatch.setenv(CLASS_SCALE_ENV, "huge")
    with pytest.raises(ValueError, match="class scale"):
        default_scale()


def test_missing_data_is_a_clear_error_and_synthetic_only_when_asked(monkeypatch, capsys):
    import lithm.classroom

    def missing(name, data_dir=None):
        raise DataMissingError(f"{name} not found in nowhere")

    monkeypatch.setattr(lithm.classroom, "load_dataset", missing)
    with pytest.raises(DataMissingError, match="synthetic=True"):
        train_in_class(scale="build", progress=False, images=40, epochs=1)
    run = train_in_class(scale="build", progress=False, images=40, epochs=1,
                         synthetic="fallback", models=("cnn",))  # fmt: skip
    assert run.settings["synthetic"] and "synthetic" in run.label
    assert "synthetic" in capsys.readouterr().err
    assert train_in_class(scale="build", progress=False, images=40, epochs=1, synthetic=True,
                          models=("cnn",)).settings["synthetic"]  # fmt: skip


def test_bad_arguments():
    with pytest.raises(ValueError, match="class scale"):
        train_in_class(scale="huge")
    with pytest.raises(ValueError, match="level"):
        train_in_class(level=1.5, scale="build")
    with pytest.raises(ValueError, match="evaluation"):
        train_in_class(evaluate=("blur",), scale="build")


def test_threads_are_restored(tiny_mnist):
    before = torch.get_num_threads()
    _run(tiny_mnist, models=("cnn",), epochs=1, threads=1)
    assert torch.get_num_threads() == before
