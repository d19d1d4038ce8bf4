import math

import pytest
import torch

from lithm.config import RunConfig
from lithm.train import DISTANCE_COLUMNS, EVAL_SETS, pick_device, train


def _cfg(**changes):
    base = dict(
        dataset="mnist",
        model="cnn",
        augmentation="translation",
        level=0.2,
        n_folds=2,
        subset=160,
        epochs=2,
        patience=None,
        batch_size=32,
    )
    return RunConfig(**{**base, **changes})


def _strip_time(history):
    return [
        {k: v for k, v in row.items() if k not in ("seconds", "cpu_seconds")} for row in history
    ]


def test_history_has_every_metric(tiny_mnist):
    result = train(_cfg(model="fcn"), data=tiny_mnist, progress=False)
    row = result["history"][0]
    for key in ("loss", "acc", "val_loss", "val_acc", *EVAL_SETS, *DISTANCE_COLUMNS):
        assert key in row and math.isfinite(row[key]), key
    assert set(result["initial"]) == set(DISTANCE_COLUMNS)
    assert result["summary"]["epochs_run"] == 2 and result["summary"]["finished"]
    assert set(result["probes"]) >= {"shift_x", "shift_y", "swap_13", "swap_24"}
    assert result["provenance"]["device"] == "cpu"


def test_cnn_has_no_filter_distances(tiny_mnist):
    result = train(_cfg(epochs=1), data=tiny_mnist, progress=False)
    assert result["initial"] == {} and "dist_1" not in result["history"][0]


def test_same_seed_same_history(tiny_mnist):
    a = train(_cfg(), data=tiny_mnist, progress=False)
    b = train(_cfg(), data=tiny_mnist, progress=False)
    assert _strip_time(a["history"]) == _strip_time(b["history"])
    c = train(_cfg(seed=1), data=tiny_mnist, progress=False)
    assert _strip_time(a["history"]) != _strip_time(c["history"])


def test_resumed_run_equals_uninterrupted(tiny_mnist, tmp_path):
    cfg = _cfg(model="fcn", epochs=3)
    full = train(cfg, data=tiny_mnist, progress=False)
    part = train(cfg, data=tiny_mnist, progress=False, checkpoint_dir=tmp_path, stop_after=1)
    assert not part["summary"]["finished"] and len(part["history"]) == 1
    assert (tmp_path / f"{cfg.run_id}.pt").exists()
    rest = train(cfg, data=tiny_mnist, progress=False, checkpoint_dir=tmp_path)
    assert rest["provenance"]["resumed_from_epoch"] == 1
    assert _strip_time(rest["history"]) == _strip_time(full["history"])
    assert rest["initial"] == full["initial"]
    assert not (tmp_path / f"{cfg.run_id}.pt").exists(), "checkpoint removed when finished"


def test_early_stopping_counts_epochs_without_strict_improvement(tiny_mnist):
    # lr so small that validation accuracy cannot move: stop after 1 + patience epochs.
    cfg = _cfg(epochs=10, patience=2, lr=1e-12)
    result = train(cfg, data=tiny_mnist, progress=False)
    assert result["summary"]["stopped_early"]
    assert result["summary"]["epochs_run"] == 3
    assert result["summary"]["best_epoch"] == 1


def test_wrong_dataset_is_refused(tiny_cifar):
    with pytest.raises(ValueError, match="run is for 'mnist'"):
        train(_cfg(), data=tiny_cifar, progress=False)


def test_keep_kernels_returns_first_layer(tiny_mnist):
    result = train(_cfg(model="fcn", epochs=1), data=tiny_mnist, progress=False, keep_kernels=True)
    assert result["artifacts"]["kernels"].shape == (13, 13, 32, 1, 3, 3)


def test_pick_device():
    assert pick_device("cpu") == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert pick_device("auto").type == expected
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA GPU"):
            pick_device("cuda")


def test_masked_fcn_trains_even_when_whole_blocks_are_absent(tiny_mnist):
    # p = 0.99 on the input units leaves many first-layer positions without any connection.
    cfg = _cfg(model="fcn", epochs=1, connection_mode="input", connection_prob=0.99)
    result = train(cfg, data=tiny_mnist, progress=False)
    assert result["summary"]["finished"]
    assert result["initial"] == {} and "dist_1" not in result["history"][0]
