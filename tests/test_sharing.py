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
    assert list(norms["augmentation"]) == ["none", "translation"]  # untranslated first
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
        "dataset": ["cifar10", "mnist", "mnist"],
        "positions unchanged": [27, 0, 2], "positions": [196, 169, 169],
        "inner norm, before": [0.6, 0.3, 0.3], "inner norm, after": [1.8, 1.5, 0.6],
        "outer norm, before": [0.6, 0.3, 0.3], "outer norm, after": [1.2, 0.9, 1.2],
    })  # fmt: skip
    mnist, cifar = describe_norms(table)  # MNIST first, as the book orders datasets
    assert mnist.startswith("MNIST (2 runs): 0–2 of 169 positions")
    assert "grew 2.0–5.0× inside the inner window and 3.0–4.0× outside it" in mnist
    assert mnist.endswith("more outside than inside in 1 of 2 runs.")
    assert cifar.startswith("CIFAR-10 (1 run): 27 of 196") and "in 0 of 1 run." in cifar


# ------------------------------------------------------------------------------------------------
# Positions the next layer never reads (chapter 6: kernels that get no gradient)
# ------------------------------------------------------------------------------------------------


def _zero_gradient_positions(arch, layer=0, seed=0):
    """Brute force: build the architecture's feature layers as free convolutions, push random
    images through them, and list the positions of ``layer``'s kernels whose gradient is zero."""
    from lithm.layers import FreeConv2d

    torch.manual_seed(seed)
    channels, height, width = arch.input_shape
    layers, size = [], (height, width)
    for spec in arch.layers:
        free = FreeConv2d(channels, spec.filters, spec.kernel, spec.stride, input_size=size)
        layers.append(free)
        channels = spec.filters
        size = free.output_size
    x = torch.randn(4, *arch.input_shape)
    for free in layers:
        x = free(x)  # no ReLU: a unit that ReLU silences must not look unread
    x.pow(2).sum().backward()
    # the gradient in the kernels' layout (oh, ow, F, C, kh, kw), whatever the weight's layout
    layers[layer].weight.data = layers[layer].weight.grad
    per_position = layers[layer].kernels().detach().flatten(2).abs().sum(-1)  # (oh, ow)
    return sorted((int(i), int(j)) for i, j in (per_position == 0).nonzero().tolist())


@pytest.mark.parametrize("dataset", ["mnist", "cifar10"])
@pytest.mark.parametrize("layer", [0, 1])
def test_unread_positions_match_zero_gradients_of_a_tiny_model(monkeypatch, dataset, layer):
    """Each dataset's layer geometry with 2 filters per layer, checked by gradients."""
    from dataclasses import replace

    from lithm.geometry import unread_positions
    from lithm.models import ARCHITECTURES, LayerSpec

    arch = ARCHITECTURES[dataset]
    small = replace(arch, layers=tuple(LayerSpec(s.kernel, 2, s.stride) for s in arch.layers))
    monkeypatch.setitem(ARCHITECTURES, "tiny", small)
    assert unread_positions("tiny", layer) == _zero_gradient_positions(small, layer)


@pytest.mark.parametrize("shape, layers", [
    ((1, 11, 11), ((3, 2), (2, 3), (1, 1))),  # 5×5 map, stride 3 with 2-wide windows: reads 0–4
    ((1, 12, 12), ((2, 1), (4, 3), (1, 1))),  # 11×11 map, 4-wide windows at stride 3: reads 0–10
    ((2, 13, 13), ((3, 2), (3, 3), (1, 1))),  # 6×6 map, 3-wide at stride 3: reads 0–5
    ((1, 14, 14), ((2, 1), (3, 4), (1, 1))),  # 13×13 map, gaps inside: 3-wide at stride 4
])  # fmt: skip
def test_unread_positions_other_geometries(monkeypatch, shape, layers):
    from dataclasses import replace

    from lithm.geometry import unread_positions
    from lithm.models import ARCHITECTURES, LayerSpec

    small = replace(ARCHITECTURES["mnist"], input_shape=shape,
                    layers=tuple(LayerSpec(k, 2, s) for k, s in layers))  # fmt: skip
    monkeypatch.setitem(ARCHITECTURES, "tiny", small)
    assert unread_positions("tiny") == _zero_gradient_positions(small)


def test_unread_positions_of_the_paper_fcns():
    """CIFAR-10: the 5×5 stride-2 second layer never reads row or column 13 of the 14×14 map."""
    from lithm.geometry import describe_unread, unread_positions

    assert unread_positions("mnist") == [] and unread_positions("mnist", 1) == []
    cifar = unread_positions("cifar10")
    assert len(cifar) == 14 + 13 and all(13 in p for p in cifar)
    assert unread_positions("cifar10", 2) == []  # the dense head reads everything
    text = describe_unread("cifar10")
    assert "never row 13 or column 13" in text and "27 of its 196 positions" in text
    assert "every position" in describe_unread("mnist")


def test_the_real_cifar_fcn_gets_no_gradient_at_unread_positions():
    """Gradient check on the paper's CIFAR-10 FCN itself (with ReLU and the dense head)."""
    from lithm.geometry import unread_positions
    from lithm.models import build_model

    torch.manual_seed(0)
    model = build_model("cifar10", "fcn")
    loss = torch.nn.functional.cross_entropy(model(torch.randn(8, 3, 32, 32)),
                                             torch.arange(8) % 10)  # fmt: skip
    loss.backward()
    first = model.first_layer
    first.weight.data = first.weight.grad
    per_position = first.kernels().detach().flatten(2).abs().sum(-1)
    zero = sorted((int(i), int(j)) for i, j in (per_position == 0).nonzero().tolist())
    assert zero == unread_positions("cifar10")


def test_norm_table_counts_unchanged_unread_positions(tmp_path):
    from lithm.sharing import describe_norms

    store = ResultsStore(tmp_path)
    for level in (0.0, 0.5):
        config = RunConfig(dataset="cifar10", model="fcn", augmentation="translation" if level
                           else "none", level=level, fold=0, n_folds=2, epochs=1)  # fmt: skip
        before = initial_kernels(config)
        after = 3 * before
        after[13, :] = before[13, :]  # the unread row and column keep their initial kernels
        after[:, 13] = before[:, 13]
        after[0, 0] = before[0, 0]  # and one read position does too
        _write(store, config, after)
    norms = norm_table(store)
    assert list(norms["positions unchanged"]) == [28, 28]
    assert list(norms["unchanged, never read"]) == [27, 27]
    (text,) = describe_norms(norms)
    assert "28 of 196 positions per run kept their initial kernels, 27 of them positions" in text
    norms["positions unchanged"] = norms["unchanged, never read"]
    every = "every one of them a position that the next layer never reads"
    assert every in describe_norms(norms)[0]


# ------------------------------------------------------------------------------------------------
# The reading over every level, and the per-run wording
# ------------------------------------------------------------------------------------------------


def _table(after):
    """A controls table (radius 1) from {level: {control: after}}; every run starts at 1.0."""
    import pandas as pd

    rows = []
    for level, values in after.items():
        for control, value in values.items():
            rows.append({"dataset": "mnist", "augmentation": "translation" if level else "none",
                         "level": level, "init": "keras", "run_id": f"r{level}", "radius": 1,
                         "control": control, "measure": control, "before": 1.0, "after": value,
                         "change %": 100 * (value - 1.0)})  # fmt: skip
    return pd.DataFrame(rows)


def _run(dist, block, sizes=None):
    return {"dist": dist, "block": block, "cos": block, "inner": block,
            "norm_only": dist if sizes is None else sizes}  # fmt: skip


def test_reading_reads_every_level_not_only_the_highest():
    # per-block lower than 0 % at 10 % and 30 %, not at 90 %; the paper's measure lower at all
    table = _table({0.0: _run(1.0, 0.98), 0.1: _run(0.95, 0.95), 0.3: _run(0.85, 0.95),
                    0.9: _run(0.75, 0.98)})  # fmt: skip
    text = readings(table)["mnist"]
    assert "more than 1 % lower at 3 of 3 translated levels (10, 30 and 90 %; gaps from" in text
    assert (
        "the per-block distance, which ignores block sizes, at 2 of 3 translated levels "
        "(10 and 30 %; gaps at all 3 levels from -3.1 % to +0.0 %, lowest at 10 %)" in text
    )
    assert "At 10 and 30 % the kernels became more alike in direction" in text
    assert "At 90 % only the paper's measure separates" in text
    assert "The per-block distance is lowest at 10 %, not at the highest level (90 %)" in text
    sentences = describe_controls(table)
    # the count sentence and the reading agree
    assert any("3 of 3 by the paper's measure, 2 by the per-block distance" in s for s in sentences)
    assert sentences[-1] == f"MNIST: {text}"
    # the per-run sentence at 90 %: more alike than at the start, but not than the 0 % run
    top = next(s for s in sentences if s.startswith("MNIST, 90 % translation"))
    assert "more alike than they started" in top
    assert "no more alike than without translation (+0.0 %)" in top


def test_reading_at_every_level_alike_and_at_none():
    alike = _table({0.0: _run(1.0, 1.0), 0.5: _run(0.9, 0.9), 0.9: _run(0.8, 0.9)})
    assert "At every stored level the kernels became more alike" in readings(alike)["mnist"]
    assert "not at the highest" not in readings(alike)["mnist"]  # a tie is no trend
    falling = _table({0.0: _run(1.0, 1.0), 0.5: _run(0.9, 0.9), 0.9: _run(0.8, 0.97)})
    assert "lowest at 50 %, not at the highest level (90 %)" in readings(falling)["mnist"]
    flat = _table({0.0: _run(1.0, 1.0), 0.5: _run(1.0, 1.0)})
    assert "these runs show no emerging sharing" in readings(flat)["mnist"]
    assert "at 0 of 1 translated level (gap +0.0 %);" in readings(flat)["mnist"]


# ------------------------------------------------------------------------------------------------
# The distance curves fold by fold
# ------------------------------------------------------------------------------------------------


def _distances(curves):
    """A load_distances-like frame from {(level, fold): [value at epoch 0, 1, …]} (radius 1)."""
    import pandas as pd

    rows = []
    for (level, fold), values in curves.items():
        config = _config(level, fold=fold).to_dict()
        for epoch, value in enumerate(values):
            rows.append({**config, "run_id": f"r{level}-{fold}", "epoch": epoch, "radius": 1,
                         "metric": "euclidean", "value": value})  # fmt: skip
    return pd.DataFrame(rows)


def test_fold_changes_pair_each_fold_with_its_own_start():
    from lithm.sharing import fold_changes

    # fold 0 falls a little and stops early; fold 1 starts higher, rises and runs longer
    d = _distances(
        {
            (0.0, 0): [0.110, 0.100, 0.109],
            (0.0, 1): [0.100, 0.099, 0.101, 0.104],
            (0.5, 0): [0.108, 0.090, 0.080],
            (0.5, 1): [0.101, 0.095, 0.090, 0.085],
        }
    )
    t = fold_changes(d, "translation", "mnist").set_index("level")
    zero, half = t.loc[0.0], t.loc[0.5]
    assert zero["epoch 0"] == pytest.approx(0.105) and zero["last"] == pytest.approx(0.1065)
    assert zero["change"] == pytest.approx((-0.001 + 0.004) / 2)
    assert zero["change %"] == pytest.approx((100 * (0.109 / 0.110 - 1) + 4) / 2)
    assert zero["last epochs"] == "2–3" and zero["folds"] == 2 and math.isnan(zero["vs 0 %"])
    assert half["vs 0 %"] == pytest.approx(((0.080 - 0.109) + (0.085 - 0.104)) / 2)
    assert fold_changes(d.iloc[:0], "translation", "mnist").empty


def test_legend_below_moves_the_legend_under_the_axes():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from lithm.analysis import demo_records, load_distances
    from lithm.plots import legend_below, plot_filter_distance

    fig = legend_below(plot_filter_distance(load_distances(demo_records()), scale="a " * 80))
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    (legend,) = fig.legends
    box = legend.get_window_extent(renderer)
    assert box.y1 <= min(ax.get_window_extent(renderer).y0 for ax in fig.axes)
    assert not box.overlaps(fig._suptitle.get_window_extent(renderer))
