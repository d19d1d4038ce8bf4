"""Tests for lithm.sharing: stored kernels, the distance controls, and the computed sentences."""

import math

import numpy as np
import pytest
import torch

from lithm.config import RunConfig
from lithm.metrics import filter_distance
from lithm.sharing import (
    controls_of,
    controls_table,
    describe_controls,
    initial_check,
    initial_kernels,
    kernel_pair,
    kernel_runs,
    norm_table,
    plot_controls,
    readings,
    window,
)
from lithm.store import ResultsStore


def _config(level, model="fcn", fold=0, **kw):
    aug = "translation" if level else "none"
    return RunConfig(dataset="mnist", model=model, augmentation=aug, level=level, fold=fold,
                     n_folds=2, epochs=1, **kw)  # fmt: skip


def _write(store, config, after):
    store.write(
        {"config": config.to_dict(), "run_id": config.run_id, "history": [{"epoch": 1}],
         "summary": {"finished": True}, "artifacts": {"kernels": after.astype(np.float16)}}
    )  # fmt: skip


def _sizes_only(before, seed):
    """Every block keeps its direction; sizes scaled independently of position (0.25 to 2.25)."""
    g = np.random.default_rng(seed)
    return before * (0.25 + 2 * g.random((*before.shape[:2], 1, 1, 1, 1))).astype(np.float32)


def _alike(before):
    """Every block pulled towards one common block: more alike in direction."""
    common = before[6, 6]
    return (0.5 * before + common).astype(np.float32)


def _store(tmp_path, after_zero, after_half):
    store = ResultsStore(tmp_path)
    for level, make in ((0.0, after_zero), (0.5, after_half)):
        config = _config(level)
        _write(store, config, make(initial_kernels(config)))
    # Neither a CNN nor a second fold nor a masked FCN has kernels the controls read.
    store.write({"config": _config(0.0, model="cnn").to_dict(), "history": [],
                 "summary": {"finished": True}})  # fmt: skip
    return store


def test_initial_kernels_follow_the_run_seed():
    config = _config(0.3)
    a, b = initial_kernels(config), initial_kernels(config)
    assert a.shape == (13, 13, 32, 1, 3, 3) and np.array_equal(a, b)
    assert not np.array_equal(a, initial_kernels(_config(0.5)))
    assert filter_distance(a, 1) == pytest.approx(math.sqrt(2 / 169), rel=0.02)


def test_window_matches_the_architectures():
    assert window("mnist") == (2, 11, 2, 11)
    assert window("cifar10") == (2, 12, 2, 12)


def test_sizes_only_reading(tmp_path):
    store = _store(tmp_path, lambda k: k, lambda k: _sizes_only(k, 0))
    assert [c.level for c in kernel_runs(store)] == [0.0, 0.5]
    table = controls_table(store)
    half = table[(table["level"] == 0.5) & (table["radius"] == 1)].set_index("control")
    assert half.loc["dist", "change %"] < -3  # the paper's measure falls ...
    assert abs(half.loc["block", "change %"]) < 0.1  # ... directions unchanged (float16 only)
    assert abs(half.loc["cos", "change %"]) < 0.1
    assert half.loc["dist", "after"] == pytest.approx(half.loc["norm_only", "after"], rel=0.02)
    text = " ".join(describe_controls(table))
    assert "uneven block sizes, not from kernels becoming alike" in text
    assert "the measure moved with the block sizes" in text
    fig = plot_controls(table)
    assert len(fig.axes) == 1 and len(fig.axes[0].lines) >= 5
    assert "1 of 1 by the paper's measure, 0 by the per-block" in text


def test_alike_reading(tmp_path):
    store = _store(tmp_path, lambda k: k, _alike)
    table = controls_table(store)
    half = table[(table["level"] == 0.5) & (table["radius"] == 1)].set_index("control")
    assert half.loc["block", "change %"] < -10 and half.loc["cos", "change %"] < -10
    assert "the reading the paper gives" in " ".join(describe_controls(table))
    assert list(readings(table)) == ["mnist"] and "paper gives" in readings(table)["mnist"]


def test_no_change_reading_and_norm_table(tmp_path):
    store = _store(tmp_path, lambda k: k, lambda k: k)
    table = controls_table(store, radii=(1, 4))
    assert set(table["radius"]) == {1, 4}
    assert table["change %"].abs().max() < 0.1
    assert "these runs show no emerging sharing" in " ".join(describe_controls(table))
    norms = norm_table(store)
    assert list(norms["positions unchanged"]) == [169, 169]
    assert (norms["inner norm, before"] == norms["inner norm, after"]).all() or np.allclose(
        norms["inner norm, before"], norms["inner norm, after"], rtol=1e-3
    )


def test_missing_zero_run_is_said(tmp_path):
    store = ResultsStore(tmp_path)
    config = _config(0.5)
    _write(store, config, initial_kernels(config))
    text = describe_controls(controls_table(store))
    assert any("not stored yet" in s for s in text)
    assert describe_controls(controls_table(ResultsStore(tmp_path / "empty")))[0].startswith("No ")


def test_controls_of_is_scale_free():
    k = torch.randn(13, 13, 32, 1, 3, 3, generator=torch.Generator().manual_seed(1))
    t = controls_of(k, 3 * k, "mnist")
    assert len(t) == 10 and t["change %"].abs().max() < 1e-5


def test_cache_and_initial_check(tmp_path):
    store = ResultsStore(tmp_path)
    config = _config(0.5)
    _write(store, config, initial_kernels(config))
    record = store.load(config)
    record["initial"] = {"dist_1": filter_distance(initial_kernels(config), 1)}
    store.write(record)
    cache = {}
    assert kernel_pair(store, config, cache) is cache[config.run_id]
    n, worst = initial_check(store, cache=cache)
    assert n == 1 and worst < 1e-12


def test_describe_norms_counts_growth_inside_and_outside_per_dataset():
    import pandas as pd

    from lithm.sharing import describe_norms

    table = pd.DataFrame({
        "dataset": ["mnist", "mnist", "cifar10"],
        "positions unchanged": [0, 2, 27], "positions": [169, 169, 196],
        "inner norm, before": [0.3, 0.3, 0.6], "inner norm, after": [1.5, 0.6, 1.8],
        "outer norm, before": [0.3, 0.3, 0.6], "outer norm, after": [0.9, 1.2, 1.2],
    })  # fmt: skip
    mnist, cifar = describe_norms(table)
    assert mnist.startswith("MNIST (2 runs): 0–2 of 169 positions")
    assert "grew 2.0–5.0× inside the inner window and 3.0–4.0× outside it" in mnist
    assert mnist.endswith("more outside than inside in 1 of 2 runs.")
    assert cifar.startswith("CIFAR-10 (1 run): 27 of 196") and "in 0 of 1 run." in cifar
