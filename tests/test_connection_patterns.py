"""Tests for lithm.connection_patterns: mask counts against theory, where accuracy falls."""

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from lithm.analysis import load_results  # noqa: E402
from lithm.config import RunConfig  # noqa: E402
from lithm.connection_patterns import (  # noqa: E402
    connection_summary,
    coverage,
    layer_mask,
    mask_stats,
    plot_connection_summary,
    reach,
    signal_scale,
)


def _records(accuracies: dict, dataset="mnist") -> list[dict]:
    """One fold-0 FCN run per (mode, prob) -> final clean validation accuracy; 2 epochs each."""
    out = []
    for (mode, prob), acc in accuracies.items():
        cfg = RunConfig(dataset=dataset, model="fcn", augmentation="translation", level=0.3,
                        connection_mode=mode, connection_prob=prob, fold=0, subset=600,
                        epochs=2, patience=None)  # fmt: skip
        history = [
            {"epoch": e, "acc": acc, "val_acc": acc - 0.1 * (e == 1), "translation": acc - 0.05}
            for e in (1, 2)
        ]
        out.append({"config": cfg.to_dict(), "run_id": cfg.run_id, "history": history,
                    "summary": {}, "provenance": {"device": "cpu"}})  # fmt: skip
    return out


def test_reach_counts_windows_times_filters():
    # independent reference: count windows of a 3x3 stride-2 layer covering pixel (y, x) by hand
    mask, geometry = layer_mask("mnist", 0, "synapse", 0.0)
    r = reach(mask, geometry)[0]
    for y, x in ((0, 0), (2, 2), (2, 3), (26, 26), (27, 27)):
        windows = sum(1 for i in range(13) for j in range(13)
                      if 2 * i <= y < 2 * i + 3 and 2 * j <= x < 2 * j + 3)  # fmt: skip
        assert int(r[y, x]) == 32 * windows
    assert torch.equal(coverage(geometry), reach(mask, geometry))


@pytest.mark.parametrize("mode", ["synapse", "input"])
def test_mask_stats_match_probability_theory(mode):
    s = mask_stats("cifar10", 1, mode, 0.5)
    assert abs(s["absent weights"] - 0.5) < 0.01
    if mode == "input":  # a share p of the layer's input units is gone
        assert abs(s["unread inputs"] - 0.5) < 0.05
    else:  # each unit is read by hundreds of weights: practically never lost
        assert s["unread inputs"] == 0.0


def test_summary_table_has_the_drop_from_the_unmasked_fcn():
    acc = {(None, 0.0): 0.98, ("synapse", 0.5): 0.97, ("synapse", 0.8): 0.6}
    table = connection_summary(load_results(_records(acc)), "mnist")
    assert table["connection_mode"].tolist() == ["none", "synapse", "synapse"]
    assert table["validation drop"].tolist() == pytest.approx([0.0, 0.01, 0.38])
    empty = connection_summary(load_results([]), "mnist")
    assert empty.empty and "validation drop" in empty.columns


def test_summary_figure_draws_both_modes_and_the_papers_band():
    acc = {(None, 0.0): 0.98, ("synapse", 0.8): 0.6, ("input", 0.8): 0.5}
    fig = plot_connection_summary(load_results(_records(acc)), ["mnist", "cifar10"], 0.3, scale="")
    assert len(fig.axes) == 2  # MNIST only: validation and translation
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert {"synapse (ours)", "input (ours)", "paper (≤ 80 %)"} <= set(labels)
    plt.close(fig)
    assert plot_connection_summary(load_results([]), ["mnist"], 0.3) is None


def test_summary_figure_leaves_out_a_dataset_with_only_its_unmasked_fcn():
    records = _records({(None, 0.0): 0.98, ("synapse", 0.8): 0.6})
    records += _records({(None, 0.0): 0.55}, dataset="cifar10")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "no artists with labels" warning from an empty panel
        fig = plot_connection_summary(load_results(records), ["mnist", "cifar10"], 0.3, scale="")
    assert len(fig.axes) == 2 and fig.axes[0].get_title().startswith("MNIST")
    plt.close(fig)


@pytest.mark.parametrize("mode", ["synapse", "input"])
def test_signal_scale_is_that_of_the_masked_network(mode):
    # Reference: the same network built masked (same torch seed, mask seed 0), run layer by layer.
    from lithm.models import build_model

    x = torch.rand(3, 1, 28, 28)
    torch.manual_seed(7)
    net = build_model("mnist", "fcn")
    torch.manual_seed(7)
    masked = build_model("mnist", "fcn", connection_mode=mode, connection_prob=0.6, mask_seed=0)
    expected, h = [], x
    with torch.no_grad():
        for layer in masked.features:
            h = layer(h)
            expected.append(float(h.pow(2).mean().sqrt()))
            h = torch.relu(h)
    before = [layer.weight.clone() for layer in net.features]
    assert signal_scale(net, x, mode, 0.6) == pytest.approx(expected, rel=1e-6)
    assert all(torch.equal(a, layer.weight) for a, layer in zip(before, net.features, strict=True))
    assert signal_scale(net, x, mode, 0.6)[0] < signal_scale(net, x, None, 0.0)[0]
